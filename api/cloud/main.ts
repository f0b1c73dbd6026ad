import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { createCloudApp } from './app.js';

await runService('cloud', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  return { app: createCloudApp({ ...deps, guard: remote.guard }), close: async () => remote.stop() };
});
