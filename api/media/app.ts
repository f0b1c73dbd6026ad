import { join } from 'node:path';
import type { H3 } from 'h3';
import { createLocalBlobStore } from '../../core/blob-store.js';
import { createServiceApp, settingsFromDeps } from '../shared/app.js';
import { urlSigningSecret } from '../../config/url-signing-secret.js';
import { VERSION } from '../shared/version.js';
import { createMediaPresenter } from './present.js';
import { mediaRoutes } from './routes/index.js';
import type { MediaAppDeps, MediaServices } from './services.js';
import { createMediaWorkflowClient } from './workflow-client.js';

export function createMediaApp(deps: MediaAppDeps): H3 {
  const { pool, config, logger, guard } = deps;
  const services: MediaServices = {
    pool,
    config,
    logger,
    guard,
    store: createLocalBlobStore(join(config.STORAGE_ROOT, 'media')),
    presenter: createMediaPresenter(urlSigningSecret(config), guard),
    workflows: createMediaWorkflowClient(deps.temporal, config),
  };
  return createServiceApp({ service: 'media', title: 'Qhitz Media API', version: VERSION, ...settingsFromDeps(deps, guard), services, routes: mediaRoutes });
}
