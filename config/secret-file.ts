// A secret setting: production must set its variable (a secret written in the source could never be
// kept secret). Elsewhere, when the variable is unset, the secret lives in a file generated at random
// the first time, so `make dev` and the tests need no setup while every installation has its own.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './index.js';

export interface SecretSetting {
  /** The variable's name, e.g. URL_SIGNING_SECRET; its file is named by `<variable>_FILE`. */
  variable: string;
  value: string | undefined;
  file: string;
  nodeEnv: 'development' | 'test' | 'production';
  /** What production needs, for the sentence that refuses to start without it. */
  productionNeeds: string;
  /** The text of a new secret file (called only when the file does not exist yet). */
  generate: () => string;
}

/** The secret's text and where it came from, for the caller's own validation messages. */
export function readSecretSetting(setting: SecretSetting): { text: string; source: string } {
  if (setting.value) return { text: setting.value, source: setting.variable };
  if (setting.nodeEnv === 'production') {
    throw new ConfigError(`${setting.variable} is not set: production needs ${setting.productionNeeds}.`);
  }
  const source = `${setting.variable}_FILE (${setting.file})`;
  const existing = readSecretFile(setting.file, source);
  if (existing !== null) return { text: existing, source };
  mkdirSync(dirname(setting.file), { recursive: true });
  // Written aside and linked into place: services start together, and link() both refuses to replace
  // a secret another process wrote first and never shows a half-written file.
  const scratch = `${setting.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(scratch, setting.generate(), { mode: 0o600 });
  try {
    linkSync(scratch, setting.file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(scratch);
  }
  return { text: readSecretFile(setting.file, source)!, source };
}

/** Random text shorter than this is refused, wherever it comes from (the generated one has 43). */
export const SHORTEST_RANDOM_SECRET = 32;

/** A secret that is random text (an HMAC key, a credential in a URL): generated as 32 random bytes. */
export function readRandomSecret(setting: Omit<SecretSetting, 'generate'>): { text: string; source: string } {
  const read = readSecretSetting({ ...setting, generate: () => `${randomBytes(32).toString('base64url')}\n` });
  if (read.text.length < SHORTEST_RANDOM_SECRET) {
    throw new ConfigError(`${read.source} must hold a secret of at least ${SHORTEST_RANDOM_SECRET} characters.`);
  }
  return read;
}

function readSecretFile(file: string, source: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`${source} cannot be read (${(error as NodeJS.ErrnoException).code}).`);
  }
}
