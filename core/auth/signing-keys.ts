// Access tokens are signed with Ed25519 (JWS alg EdDSA). The newest key signs; every listed key stays
// in the JWKS, so tokens signed before a rotation keep verifying until they expire.
// Keys come from AUTH_SIGNING_KEYS (JSON) or AUTH_SIGNING_KEYS_FILE; outside production a missing
// file is generated, so `make dev` needs no setup.
import { createHash, randomUUID, type webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { type Config, ConfigError } from '../../config/index.js';

type PrivateKey = webcrypto.CryptoKey;

export const SIGNING_ALGORITHM = 'EdDSA';

export interface SigningKeys {
  /** The key new tokens are signed with. */
  current: { kid: string; privateKey: PrivateKey };
  /** Public halves of every key, as served at /.well-known/jwks.json. */
  jwks: JSONWebKeySet;
  /** Verifies tokens locally against `jwks` (the auth service's own guard). */
  verificationKeys: JWTVerifyGetKey;
  /** A secret derived from the newest private key, for HMACs only the auth service computes. */
  derivedSecret: Buffer;
}

const privateJwkSchema = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), kid: z.string().min(1), x: z.string(), d: z.string() });
const keyListSchema = z.array(privateJwkSchema).min(1);

export async function generateSigningJwk(): Promise<z.infer<typeof privateJwkSchema>> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return privateJwkSchema.parse({ ...jwk, kid: randomUUID() });
}

export async function signingKeysFromJwks(privateJwks: JWK[]): Promise<SigningKeys> {
  const keys = keyListSchema.parse(privateJwks);
  const newest = keys[0]!;
  const privateKey = (await importJWK({ ...newest, alg: SIGNING_ALGORITHM }, SIGNING_ALGORITHM)) as PrivateKey;
  const jwks: JSONWebKeySet = {
    keys: keys.map(({ d: _private, ...publicHalf }) => ({ ...publicHalf, alg: SIGNING_ALGORITHM, use: 'sig' })),
  };
  const derivedSecret = createHash('sha256').update(`qhitz-auth-derived:${newest.d}`).digest();
  return { current: { kid: newest.kid, privateKey }, jwks, verificationKeys: createLocalJWKSet(jwks), derivedSecret };
}

export async function loadSigningKeys(
  config: Pick<Config, 'AUTH_SIGNING_KEYS' | 'AUTH_SIGNING_KEYS_FILE' | 'NODE_ENV'>,
): Promise<SigningKeys> {
  const parse = (text: string, source: string) => {
    try {
      return signingKeysFromJwks(JSON.parse(text));
    } catch {
      throw new ConfigError(`${source} must be a JSON array of Ed25519 private JWKs, each with a kid.`);
    }
  };
  if (config.AUTH_SIGNING_KEYS) return parse(config.AUTH_SIGNING_KEYS, 'AUTH_SIGNING_KEYS');
  const file = config.AUTH_SIGNING_KEYS_FILE;
  try {
    return await parse(await readFile(file, 'utf8'), `AUTH_SIGNING_KEYS_FILE (${file})`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (config.NODE_ENV === 'production') {
      throw new ConfigError('AUTH_SIGNING_KEYS is not set and AUTH_SIGNING_KEYS_FILE does not exist: production needs a signing key.');
    }
    const generated = [await generateSigningJwk()];
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(generated, null, 2), { mode: 0o600, flag: 'wx' }).catch((writeError) => {
      // Another process generated it first: use theirs.
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
    });
    return parse(await readFile(file, 'utf8'), file);
  }
}
