import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { startStorageSweeper } from '../shared/storage-sweep.js';
import { createMediaApp } from './app.js';
import { removeUnreferencedMediaBlobs } from './blob-cleanup.js';

await runService('media', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  const sweeper = startStorageSweeper('media', deps, removeUnreferencedMediaBlobs);
  return {
    app: createMediaApp({ ...deps, guard: remote.guard }),
    close: async () => {
      sweeper.stop();
      remote.stop();
    },
  };
});
