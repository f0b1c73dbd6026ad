import { join } from 'node:path';
import type { H3 } from 'h3';
import { createLocalBlobStore } from '../../core/blob-store.js';
import { createServiceApp, settingsFromDeps } from '../shared/app.js';
import { urlSigningSecret } from '../../config/url-signing-secret.js';
import { VERSION } from '../shared/version.js';
import { createCloudPresenter } from './present.js';
import { cloudRoutes } from './routes/index.js';
import type { CloudAppDeps, CloudServices } from './services.js';
import { createShareTokens } from './share-tokens.js';
import { createCloudWorkflowClient } from './workflow-client.js';

export function createCloudApp(deps: CloudAppDeps): H3 {
  const { pool, config, logger, guard } = deps;
  const secret = urlSigningSecret(config);
  const services: CloudServices = {
    pool,
    config,
    logger,
    guard,
    store: createLocalBlobStore(join(config.STORAGE_ROOT, 'cloud')),
    presenter: createCloudPresenter(secret, guard),
    shareTokens: createShareTokens(secret),
    workflows: createCloudWorkflowClient(deps.temporal, config),
  };
  return createServiceApp({ service: 'cloud', title: 'Qhitz Cloud API', version: VERSION, ...settingsFromDeps(deps, guard), services, routes: cloudRoutes });
}
