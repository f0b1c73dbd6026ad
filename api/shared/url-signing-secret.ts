// The HMAC key of signed download URLs. Production must set URL_SIGNING_SECRET (config refuses to
// start without it). Elsewhere a random secret is generated once into URL_SIGNING_SECRET_FILE, beside
// the auth signing keys, so media and cloud share it and `make dev` needs no setup, while no key
// written in the source can ever sign a URL.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Config, ConfigError } from '../../config/index.js';

const SHORTEST_SECRET = 32;

/** Synchronous: route tables are built synchronously, once, at start. */
export function urlSigningSecret(config: Pick<Config, 'URL_SIGNING_SECRET' | 'URL_SIGNING_SECRET_FILE' | 'NODE_ENV'>): string {
  if (config.URL_SIGNING_SECRET) return config.URL_SIGNING_SECRET;
  if (config.NODE_ENV === 'production') {
    throw new ConfigError('URL_SIGNING_SECRET is not set: production needs a secret of at least 32 characters for signed URLs.');
  }
  const file = config.URL_SIGNING_SECRET_FILE;
  const existing = readSecret(file);
  if (existing !== null) return existing;
  mkdirSync(dirname(file), { recursive: true });
  // Written aside and linked into place: media and cloud start together, and link() both refuses to
  // replace a secret the other wrote first and never shows a half-written file.
  const scratch = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(scratch, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  try {
    linkSync(scratch, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(scratch);
  }
  return readSecret(file)!;
}

function readSecret(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`URL_SIGNING_SECRET_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code}).`);
  }
  const secret = text.trim();
  if (secret.length < SHORTEST_SECRET) {
    throw new ConfigError(`URL_SIGNING_SECRET_FILE (${file}) must hold a secret of at least ${SHORTEST_SECRET} characters.`);
  }
  return secret;
}
