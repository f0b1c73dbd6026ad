// The auth service: accounts, sessions and the keys every other service verifies tokens with.
import type { H3 } from 'h3';
import { createPasswordHasher } from '../../core/auth/passwords.js';
import { isSessionActive } from '../../db/auth/sessions.js';
import { createServiceApp, settingsFromDeps } from '../shared/app.js';
import { createAuthGuard, type RevocationCheck } from '../shared/auth-guard.js';
import { serviceCredential } from '../shared/service-credential.js';
import { VERSION } from '../shared/version.js';
import { createLoginThrottle } from './login-throttle.js';
import { authRoutes } from './routes/index.js';
import type { AuthAppDeps, AuthServices } from './services.js';
import { createTokenPairs } from './token-pairs.js';

export function createAuthApp(deps: AuthAppDeps): H3 {
  const { pool, config, keys } = deps;
  const services: AuthServices = {
    pool,
    config,
    keys,
    passwords: createPasswordHasher({
      memoryCost: config.ARGON2_MEMORY_KIB,
      timeCost: config.ARGON2_TIME_COST,
      parallelism: config.ARGON2_PARALLELISM,
      maxConcurrent: config.ARGON2_MAX_CONCURRENCY,
    }),
    tokens: createTokenPairs(deps),
    throttle: createLoginThrottle(pool, config, keys.derivedSecret),
    serviceCredential: serviceCredential(config),
  };
  const guard = createAuthGuard({
    keys: keys.verificationKeys,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    revocations: cachedSessionCheck(deps, 2000),
  });
  return createServiceApp({ service: 'auth', title: 'Qhitz Auth API', version: VERSION, ...settingsFromDeps(deps, guard), services, routes: authRoutes });
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
