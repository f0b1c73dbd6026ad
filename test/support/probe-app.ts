// A minimal service built with the shared app factory and the remote guard, for testing what every
// service shares (errors, docs, metrics, token checks) without depending on one service's routes.
import type { H3 } from 'h3';
import { createServiceApp, type ServiceAppOptions } from '../../api/shared/app.js';
import type { AnyRoute } from '../../api/shared/route.js';
import { getStack } from './stack.js';

export async function probeApp(routes: AnyRoute[], options: Partial<ServiceAppOptions> = {}): Promise<H3> {
  const stack = await getStack();
  return createServiceApp({
    service: 'probe',
    title: 'Probe API',
    version: '0.0.0',
    logger: stack.logger,
    guard: stack.guard,
    health: async () => ({ healthy: true, dependencies: {}, errors: {} }),
    corsOrigins: [],
    bodyLimit: 1024,
    handlerTimeoutMs: 30_000,
    routes,
    ...options,
  });
}
