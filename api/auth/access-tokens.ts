// Short-lived access tokens: every service verifies them locally (see api/shared/auth-guard.ts).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Role } from '../../db/auth/users.js';
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
