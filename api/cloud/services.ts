// What the cloud service's app is given (its deps) and what each of its handlers receives (its
// services, built once in app.ts), with the handler's context type that route files declare.
import type { Client } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import type { BlobStore } from '../../core/blob-store.js';
import type { Logger } from '../../core/logger.js';
import type { AuthGuard } from '../shared/auth-guard.js';
import type { HandlerContext, RouteInput } from '../shared/route.js';
import type { ServiceDeps } from '../shared/runtime.js';
import type { createCloudPresenter } from './present.js';
import type { createShareTokens } from './share-tokens.js';
import type { CloudWorkflowClient } from './workflow-client.js';

export interface CloudAppDeps extends ServiceDeps<Client> {
  guard: AuthGuard;
}

export interface CloudServices {
  pool: DatabasePool;
  config: Config;
  logger: Logger;
  guard: AuthGuard;
  /** The bytes of every file version, content-addressed. */
  store: BlobStore;
  presenter: ReturnType<typeof createCloudPresenter>;
  shareTokens: ReturnType<typeof createShareTokens>;
  workflows: CloudWorkflowClient;
}

/** A cloud handler's parameter, for a route whose input is `I`. */
export type CloudContext<I extends RouteInput> = HandlerContext<CloudServices, I>;
