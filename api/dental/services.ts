// What the dental service's app is given (its deps) and what each of its handlers receives (its
// services, built once in app.ts), with the handler's context type that route files declare.
import type { Client } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import type { PatientLinks } from '../../core/dental/patient-links.js';
import type { Practice } from '../../core/dental/practice.js';
import type { Logger } from '../../core/logger.js';
import type { AuthGuard } from '../shared/auth-guard.js';
import type { HandlerContext, RouteInput } from '../shared/route.js';
import type { ServiceDeps } from '../shared/runtime.js';
import type { DentalPresenter } from './present.js';
import type { DentalWorkflowClient } from './workflow-client.js';

export interface DentalAppDeps extends ServiceDeps<Client> {
  guard: AuthGuard;
}

export interface DentalServices {
  pool: DatabasePool;
  config: Config;
  logger: Logger;
  guard: AuthGuard;
  /** The practice as patients see it; its time zone is the one staff read and type times in. */
  practice: Practice;
  presenter: DentalPresenter;
  /** Signs and reads the Confirm and Cancel links of reminders. */
  patientLinks: PatientLinks;
  workflows: DentalWorkflowClient;
}

/** A dental handler's parameter, for a route whose input is `I`. */
export type DentalContext<I extends RouteInput> = HandlerContext<DentalServices, I>;
