import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { createMediaApp } from './app.js';

await runService('media', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  return { app: createMediaApp({ ...deps, guard: remote.guard }), close: async () => remote.stop() };
});
