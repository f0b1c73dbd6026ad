import type { AnyRoute } from '../../shared/route.js';
import { temporalCodecRoutes } from '../../shared/temporal-codec.js';
import type { DentalAppDeps } from '../app.js';
import { appointmentRoutes } from './appointments.js';
import { availabilityRoutes } from './availability.js';
import { billingRoutes } from './billing.js';
import { calendarFeedRoutes } from './calendar-feeds.js';
import { dentistRoutes } from './dentists.js';
import { patientAnswerRoutes } from './patient-answers.js';
import { patientRoutes } from './patients.js';

export function dentalRoutes(deps: DentalAppDeps): AnyRoute[] {
  // The dental API serves the Temporal Web UI's codec: its workflows hold the most sensitive payloads.
  return [
    ...patientRoutes(deps),
    ...dentistRoutes(deps),
    ...appointmentRoutes(deps),
    ...availabilityRoutes(deps),
    ...billingRoutes(deps),
    ...calendarFeedRoutes(deps),
    ...patientAnswerRoutes(deps),
    ...temporalCodecRoutes(deps.config),
  ];
}
