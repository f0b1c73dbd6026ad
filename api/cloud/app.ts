import type { H3 } from 'h3';
import { createServiceApp, handlerTimeoutFor } from '../shared/app.js';
import type { AuthGuard } from '../shared/auth-guard.js';
import type { ServiceDeps } from '../shared/runtime.js';
import { VERSION } from '../shared/version.js';
import { cloudRoutes } from './routes/index.js';

export interface CloudAppDeps extends ServiceDeps {
  guard: AuthGuard;
}

export function createCloudApp(deps: CloudAppDeps): H3 {
  return createServiceApp({
    service: 'cloud',
    title: 'Qhitz Cloud API',
    version: VERSION,
    logger: deps.logger,
    guard: deps.guard,
    routes: cloudRoutes(deps),
    health: deps.health,
    corsOrigins: deps.config.corsOrigins,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    handlerTimeoutMs: handlerTimeoutFor(deps.config),
  });
}
