import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { createDentalApp } from './app.js';

await runService('dental', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  return { app: createDentalApp({ ...deps, guard: remote.guard }), close: async () => remote.stop() };
});
