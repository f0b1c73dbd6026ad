// Short-lived access tokens: the auth service issues them, and every service verifies them locally
// (api/shared/auth-guard.ts adds the session-revocation check and the HTTP answers).
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey, SignJWT } from 'jose';
import { z } from 'zod';
import { type Role, ROLES } from '../../db/auth/users.js';
import { SIGNING_ALGORITHM, type SigningKeys } from './signing-keys.js';

export interface AccessTokenClaims {
  userId: number;
  role: Role;
  sessionId: string;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export async function issueAccessToken(
  keys: SigningKeys,
  claims: AccessTokenClaims,
  settings: TokenSettings,
): Promise<{ token: string; expiresIn: number }> {
  const token = await new SignJWT({ role: claims.role, sid: claims.sessionId })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: keys.current.kid, typ: 'JWT' })
    .setSubject(String(claims.userId))
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${settings.ttlSeconds}s`)
    .sign(keys.current.privateKey);
  return { token, expiresIn: settings.ttlSeconds };
}

/** Who is calling, as proven by the access token. */
export interface Principal {
  id: number;
  role: Role;
  sessionId: string;
}

/**
 * Why a token was refused: `expired`; `keys_unreachable` (the auth service's public keys could not be
 * fetched); `invalid` (bad signature, issuer, audience, …); `missing_claims` (signed, but not ours).
 */
export class AccessTokenRefused extends Error {
  constructor(readonly reason: 'expired' | 'keys_unreachable' | 'invalid' | 'missing_claims') {
    super(`access token refused: ${reason}`);
  }
}

export interface VerifierOptions {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
}

const ACCEPTED_ALGORITHMS = ['EdDSA', 'ES256'];
const verifiedClaims = z.object({
  sub: z.string().regex(/^\d+$/),
  role: z.enum(ROLES),
  sid: z.string().min(1),
  exp: z.number(),
});

/**
 * Tokens already verified, until they expire: a client sends the same token on every request for
 * up to 15 minutes, and an Ed25519 verification through WebCrypto costs ~0.3 ms. Keyed by the whole
 * token, so only a byte-identical token hits.
 */
class VerifiedTokenCache {
  readonly #entries = new Map<string, { principal: Principal; expiresAt: number }>();
  constructor(private readonly capacity = 10_000) {}

  get(token: string): Principal | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal, expiresAtSeconds: number): void {
    if (this.#entries.size >= this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { principal, expiresAt: expiresAtSeconds * 1000 });
  }
}

/** Verifies a token's signature, issuer, audience and expiry: its principal, or AccessTokenRefused. */
export function createAccessTokenVerifier(options: VerifierOptions): (token: string) => Promise<Principal> {
  const verified = new VerifiedTokenCache();

  return async (token) => {
    const cached = verified.get(token);
    if (cached) return cached;
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat', 'sid'],
        clockTolerance: 5,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AccessTokenRefused('expired');
      if (error instanceof joseErrors.JWKSTimeout || isFetchFailure(error)) throw new AccessTokenRefused('keys_unreachable');
      throw new AccessTokenRefused('invalid');
    }
    const claims = verifiedClaims.safeParse(payload);
    if (!claims.success) throw new AccessTokenRefused('missing_claims');
    const { sub, role, sid, exp } = claims.data;
    const principal: Principal = { id: Number(sub), role, sessionId: sid };
    verified.set(token, principal, exp);
    return principal;
  };
}

/** The JWKS could not be fetched: no connection, or an answer other than 200 (a proxy's 502 while auth restarts). */
function isFetchFailure(error: unknown): boolean {
  return (
    (error instanceof TypeError && /fetch failed/i.test(error.message)) ||
    (error instanceof joseErrors.JOSEError && /Expected 200 OK from the JSON Web Key Set/i.test(error.message))
  );
}
