// Password hashing: argon2id for everything we write; werkzeug's pbkdf2 and scrypt formats are still
// verified, so accounts imported from the Flask system keep their passwords until their next login
// replaces the hash.
import { pbkdf2, scrypt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { hash, verify } from '@node-rs/argon2';
import { sameBytes } from '../same-bytes.js';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number, options: object) => Promise<Buffer>;

export interface Argon2Settings {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  /** Hashes computed at once. argon2 runs off the event loop, but unbounded it takes every core. */
  maxConcurrent?: number;
}

/** A counting semaphore: at most `limit` tasks run; the rest wait in order. */
function limiter(limit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export interface PasswordCheck {
  valid: boolean;
  /** The stored hash is not argon2id at our current cost: replace it now that we know the password. */
  needsRehash: boolean;
}

/** Above what argon2 at our cost and werkzeug's pbkdf2 (600,000 rounds) or scrypt take here (30–90 ms). */
const FAILED_CHECK_FLOOR_MS = 200;

export function createPasswordHasher(settings: Argon2Settings) {
  // @node-rs/argon2 hashes with argon2id unless told otherwise (its Algorithm enum is a const enum,
  // which isolated modules cannot import).
  const { maxConcurrent = Math.max(1, availableParallelism() - 1), ...costs } = settings;
  const options = { ...costs };
  const limited = limiter(maxConcurrent);
  const hashLimited = (password: string) => limited(() => hash(password, options));
  const verifyLimited = (stored: string, password: string) => limited(() => verify(stored, password));
  // Verifying against this when the account does not exist makes "unknown email" cost the same as
  // "wrong password", so response times do not reveal which emails have accounts.
  const decoy = hash('decoy password that matches nothing', options);

  async function checkAsStored(password: string, stored: string | null): Promise<PasswordCheck> {
    if (stored === null) {
      await verifyLimited(await decoy, password).catch(() => false);
      return { valid: false, needsRehash: false };
    }
    if (stored.startsWith('$argon2')) {
      // verify throws on a malformed hash instead of answering false.
      const valid = await verifyLimited(stored, password).catch(() => false);
      return { valid, needsRehash: valid && isWeakerArgon2(stored, settings) };
    }
    const valid = await limited(() => verifyWerkzeug(password, stored));
    return { valid, needsRehash: valid };
  }

  return {
    hash: hashLimited,

    /**
     * A failed check takes at least FAILED_CHECK_FLOOR_MS whatever the stored hash: an imported
     * werkzeug hash takes longer than the argon2 decoy for unknown emails, and the difference would
     * tell which imported accounts exist and have not logged in since.
     */
    async check(password: string, stored: string | null): Promise<PasswordCheck> {
      const started = performance.now();
      const result = await checkAsStored(password, stored);
      const left = FAILED_CHECK_FLOOR_MS - (performance.now() - started);
      if (!result.valid && left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      return result;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;

function isWeakerArgon2(stored: string, settings: Argon2Settings): boolean {
  const match = /^\$argon2(id|i|d)\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (!match) return true;
  const [, variant, memory, time, lanes] = match;
  return variant !== 'id' || Number(memory) < settings.memoryCost || Number(time) < settings.timeCost || Number(lanes) < settings.parallelism;
}

/** werkzeug.security: `pbkdf2:sha256:<iterations>$<salt>$<hex>` and `scrypt:<n>:<r>:<p>$<salt>$<hex>`. */
export async function verifyWerkzeug(password: string, stored: string): Promise<boolean> {
  const [method, salt, expectedHex] = stored.split('$');
  if (!method || salt === undefined || !expectedHex || !/^[0-9a-f]+$/i.test(expectedHex)) return false;
  const expected = Buffer.from(expectedHex, 'hex');
  const parts = method.split(':');
  let actual: Buffer;
  if (parts[0] === 'pbkdf2') {
    const digest = parts[1] ?? 'sha256';
    const iterations = Number(parts[2] ?? 600_000);
    if (!['sha256', 'sha512', 'sha1'].includes(digest) || !Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
      return false;
    }
    actual = await pbkdf2Async(password, salt, iterations, expected.length, digest);
  } else if (parts[0] === 'scrypt') {
    const [n, r, p] = [Number(parts[1] ?? 32768), Number(parts[2] ?? 8), Number(parts[3] ?? 1)];
    if (![n, r, p].every((value) => Number.isInteger(value) && value > 0) || n > 2 ** 20) return false;
    actual = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
  } else {
    return false;
  }
  return sameBytes(actual, expected);
}
