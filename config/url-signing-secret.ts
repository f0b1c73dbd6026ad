// The HMAC key of signed URLs (media and cloud downloads; dental derives its patients' answer links'
// key from it). Production must set URL_SIGNING_SECRET (config refuses to start without it).
// Elsewhere a random secret is generated once into URL_SIGNING_SECRET_FILE, beside the auth signing
// keys, so the services share it and `make dev` needs no setup, while no key written in the source
// can ever sign a URL.
import type { Config } from './index.js';
import { readRandomSecret } from './secret-file.js';

/** Synchronous: a service's app is built synchronously, once, at start. */
export function urlSigningSecret(config: Pick<Config, 'URL_SIGNING_SECRET' | 'URL_SIGNING_SECRET_FILE' | 'NODE_ENV'>): string {
  return readRandomSecret({
    variable: 'URL_SIGNING_SECRET',
    value: config.URL_SIGNING_SECRET,
    file: config.URL_SIGNING_SECRET_FILE,
    nodeEnv: config.NODE_ENV,
    productionNeeds: 'a secret of at least 32 characters for signed URLs',
  }).text;
}
