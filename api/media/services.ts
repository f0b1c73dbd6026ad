// What the media service's app is given (its deps) and what each of its handlers receives (its
// services, built once in app.ts), with the handler's context type that route files declare.
import type { Client } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import type { BlobStore } from '../../core/blob-store.js';
import type { Logger } from '../../core/logger.js';
import type { AuthGuard } from '../shared/auth-guard.js';
import type { HandlerContext, RouteInput } from '../shared/route.js';
import type { ServiceDeps } from '../shared/runtime.js';
import type { createMediaPresenter } from './present.js';
import type { MediaWorkflowClient } from './workflow-client.js';

export interface MediaAppDeps extends ServiceDeps<Client> {
  guard: AuthGuard;
}

export interface MediaServices {
  pool: DatabasePool;
  config: Config;
  logger: Logger;
  guard: AuthGuard;
  /** The media blobs: content-addressed files and thumbnails. */
  store: BlobStore;
  presenter: ReturnType<typeof createMediaPresenter>;
  workflows: MediaWorkflowClient;
}

/** A media handler's parameter, for a route whose input is `I`. */
export type MediaContext<I extends RouteInput> = HandlerContext<MediaServices, I>;
