import type { H3 } from 'h3';
import { createPatientLinks } from '../../core/dental/patient-links.js';
import { practiceOf } from '../../core/dental/practice.js';
import { createServiceApp, settingsFromDeps } from '../shared/app.js';
import { temporalCodecRoutes } from '../shared/temporal-codec.js';
import { VERSION } from '../shared/version.js';
import { createDentalPresenter } from './present.js';
import { dentalRoutes } from './routes/index.js';
import type { DentalAppDeps, DentalServices } from './services.js';
import { createDentalWorkflowClient } from './workflow-client.js';

export function createDentalApp(deps: DentalAppDeps): H3 {
  const { pool, config, logger, guard } = deps;
  const services: DentalServices = {
    pool,
    config,
    logger,
    guard,
    practice: practiceOf(config),
    presenter: createDentalPresenter(config.PRACTICE_TIME_ZONE),
    patientLinks: createPatientLinks(config),
    workflows: createDentalWorkflowClient(deps.temporal, config),
  };
  // The dental API serves the Temporal Web UI's codec: its workflows hold the most sensitive payloads.
  const routes = [...dentalRoutes, ...temporalCodecRoutes(config)];
  return createServiceApp({ service: 'dental', title: 'Qhitz Dental API', version: VERSION, ...settingsFromDeps(deps, guard), services, routes });
}
