import { join } from 'node:path';
import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { createLocalBlobStore } from '../shared/storage.js';
import { abandonedAfterMs, startStorageSweeper } from '../shared/storage-sweep.js';
import { createCloudApp } from './app.js';
import { removeUnreferencedBlobs } from './blob-cleanup.js';

await runService('cloud', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  const store = createLocalBlobStore(join(deps.config.STORAGE_ROOT, 'cloud'));
  const sweeper = startStorageSweeper({
    store,
    olderThanMs: abandonedAfterMs(deps.config),
    removeIfUnreferenced: async (key) => (await removeUnreferencedBlobs(deps.pool, store, [key])) > 0,
    logger: deps.logger,
  });
  return {
    app: createCloudApp({ ...deps, guard: remote.guard }),
    close: async () => {
      sweeper.stop();
      remote.stop();
    },
  };
});
