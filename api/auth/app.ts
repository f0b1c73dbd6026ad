// The auth service: accounts, sessions and the keys every other service verifies tokens with.
import type { H3 } from 'h3';
import { createServiceApp } from '../shared/app.js';
import { createAuthGuard } from '../shared/auth-guard.js';
import type { ServiceDeps } from '../shared/runtime.js';
import { VERSION } from '../shared/version.js';
import { authRoutes } from './routes/index.js';
import type { SigningKeys } from './signing-keys.js';

export interface AuthAppDeps extends ServiceDeps {
  keys: SigningKeys;
}

export function createAuthApp(deps: AuthAppDeps): H3 {
  const guard = createAuthGuard({
    keys: deps.keys.verificationKeys,
    issuer: deps.config.JWT_ISSUER,
    audience: deps.config.JWT_AUDIENCE,
  });
  return createServiceApp({
    service: 'auth',
    title: 'Qhitz Auth API',
    version: VERSION,
    logger: deps.logger,
    guard,
    routes: authRoutes(deps),
    health: deps.health,
    corsOrigins: deps.config.corsOrigins,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
  });
}
