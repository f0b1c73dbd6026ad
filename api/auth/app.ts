// The auth service: accounts, sessions and the keys every other service verifies tokens with.
import type { H3 } from 'h3';
import { isSessionActive } from '../../db/auth/sessions.js';
import { createServiceApp, handlerTimeoutFor } from '../shared/app.js';
import { createAuthGuard, type RevocationCheck } from '../shared/auth-guard.js';
import type { ServiceDeps } from '../shared/runtime.js';
import { VERSION } from '../shared/version.js';
import { createPasswordHasher, type PasswordHasher } from './passwords.js';
import { authRoutes } from './routes/index.js';
import type { SigningKeys } from './signing-keys.js';
import { createTokenPairs, type TokenPairs } from './token-pairs.js';

export interface AuthAppDeps extends ServiceDeps {
  keys: SigningKeys;
}

/** What the auth routes work with: the service's deps plus its password and token machinery. */
export interface AuthContext extends AuthAppDeps {
  passwords: PasswordHasher;
  tokens: TokenPairs;
}

export function createAuthApp(deps: AuthAppDeps): H3 {
  const { config } = deps;
  const context: AuthContext = {
    ...deps,
    passwords: createPasswordHasher({
      memoryCost: config.ARGON2_MEMORY_KIB,
      timeCost: config.ARGON2_TIME_COST,
      parallelism: config.ARGON2_PARALLELISM,
      maxConcurrent: config.ARGON2_MAX_CONCURRENCY,
    }),
    tokens: createTokenPairs(deps),
  };
  const guard = createAuthGuard({
    keys: deps.keys.verificationKeys,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    revocations: cachedSessionCheck(deps, 2000),
  });
  return createServiceApp({
    service: 'auth',
    title: 'Qhitz Auth API',
    version: VERSION,
    logger: deps.logger,
    guard,
    routes: authRoutes(context),
    health: deps.health,
    corsOrigins: config.corsOrigins,
    bodyLimit: config.BODY_LIMIT_BYTES,
    handlerTimeoutMs: handlerTimeoutFor(config),
  });
}

/** The auth service reads its own sessions table, remembering each answer for `ttlMs`. */
function cachedSessionCheck(deps: AuthAppDeps, ttlMs: number): RevocationCheck {
  const cache = new Map<string, { revoked: boolean; at: number }>();
  return {
    async isRevoked(sessionId) {
      const now = Date.now();
      const cached = cache.get(sessionId);
      if (cached && now - cached.at < ttlMs) return cached.revoked;
      const revoked = !(await isSessionActive(deps.pool, sessionId));
      if (cache.size > 10_000) cache.clear();
      cache.set(sessionId, { revoked, at: now });
      return revoked;
    },
  };
}
