// The HMAC key of signed URLs (media and cloud downloads; dental derives its patients' answer links'
// key from it). Production must set URL_SIGNING_SECRET (config refuses to start without it).
// Elsewhere a random secret is generated once into URL_SIGNING_SECRET_FILE, beside the auth signing
// keys, so the services share it and `make dev` needs no setup, while no key written in the source
// can ever sign a URL.
import { randomBytes } from 'node:crypto';
import { type Config, ConfigError } from './index.js';
import { readSecretSetting } from './secret-file.js';

const SHORTEST_SECRET = 32;

/** Synchronous: a service's app is built synchronously, once, at start. */
export function urlSigningSecret(config: Pick<Config, 'URL_SIGNING_SECRET' | 'URL_SIGNING_SECRET_FILE' | 'NODE_ENV'>): string {
  const { text, source } = readSecretSetting({
    variable: 'URL_SIGNING_SECRET',
    value: config.URL_SIGNING_SECRET,
    file: config.URL_SIGNING_SECRET_FILE,
    nodeEnv: config.NODE_ENV,
    productionNeeds: 'a secret of at least 32 characters for signed URLs',
    generate: () => `${randomBytes(32).toString('base64url')}\n`,
  });
  if (text.length < SHORTEST_SECRET) throw new ConfigError(`${source} must hold a secret of at least ${SHORTEST_SECRET} characters.`);
  return text;
}
