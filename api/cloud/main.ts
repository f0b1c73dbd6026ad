import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { startStorageSweeper } from '../../core/blob-sweep.js';
import { createCloudApp } from './app.js';
import * as cloudBlobs from '../../db/cloud/blobs.js';

await runService('cloud', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  const sweeper = startStorageSweeper('cloud', deps, cloudBlobs);
  return {
    app: createCloudApp({ ...deps, guard: remote.guard }),
    close: async () => {
      sweeper.stop();
      remote.stop();
    },
  };
});
