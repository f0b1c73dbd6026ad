import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { startStorageSweeper } from '../shared/storage-sweep.js';
import { createCloudApp } from './app.js';
import { removeUnreferencedBlobs } from './blob-cleanup.js';

await runService('cloud', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  const sweeper = startStorageSweeper('cloud', deps, removeUnreferencedBlobs);
  return {
    app: createCloudApp({ ...deps, guard: remote.guard }),
    close: async () => {
      sweeper.stop();
      remote.stop();
    },
  };
});
