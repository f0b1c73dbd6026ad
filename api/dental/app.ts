import type { H3 } from 'h3';
import { createServiceApp, handlerTimeoutFor } from '../shared/app.js';
import type { AuthGuard } from '../shared/auth-guard.js';
import type { ServiceDeps } from '../shared/runtime.js';
import { VERSION } from '../shared/version.js';
import { dentalRoutes } from './routes/index.js';

export interface DentalAppDeps extends ServiceDeps {
  guard: AuthGuard;
}

export function createDentalApp(deps: DentalAppDeps): H3 {
  return createServiceApp({
    service: 'dental',
    title: 'Qhitz Dental API',
    version: VERSION,
    logger: deps.logger,
    guard: deps.guard,
    routes: dentalRoutes(deps),
    health: deps.health,
    corsOrigins: deps.config.corsOrigins,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    handlerTimeoutMs: handlerTimeoutFor(deps.config),
  });
}
