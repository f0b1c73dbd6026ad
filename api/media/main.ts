import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { startStorageSweeper } from '../../core/blob-sweep.js';
import { createMediaApp } from './app.js';
import * as mediaBlobs from '../../db/media/blobs.js';

await runService('media', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  const sweeper = startStorageSweeper('media', deps, mediaBlobs);
  return {
    app: createMediaApp({ ...deps, guard: remote.guard }),
    close: async () => {
      sweeper.stop();
      remote.stop();
    },
  };
});
