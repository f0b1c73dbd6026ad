import { join } from 'node:path';
import { createRemoteAuthGuard, runService } from '../shared/runtime.js';
import { createLocalBlobStore } from '../shared/storage.js';
import { abandonedAfterMs, startStorageSweeper } from '../shared/storage-sweep.js';
import { createMediaApp } from './app.js';
import { removeUnreferencedMediaBlobs } from './blob-cleanup.js';

await runService('media', { temporal: true }, async (deps) => {
  const remote = createRemoteAuthGuard(deps.config, deps.logger);
  const store = createLocalBlobStore(join(deps.config.STORAGE_ROOT, 'media'));
  const sweeper = startStorageSweeper({
    store,
    olderThanMs: abandonedAfterMs(deps.config),
    removeIfUnreferenced: async (key) => (await removeUnreferencedMediaBlobs(deps.pool, store, [key])) > 0,
    logger: deps.logger,
  });
  return {
    app: createMediaApp({ ...deps, guard: remote.guard }),
    close: async () => {
      sweeper.stop();
      remote.stop();
    },
  };
});
