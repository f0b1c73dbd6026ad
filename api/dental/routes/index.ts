import type { AnyRoute } from '../../shared/route.js';
import type { DentalAppDeps } from '../app.js';
import { appointmentRoutes } from './appointments.js';
import { availabilityRoutes } from './availability.js';
import { billingRoutes } from './billing.js';
import { calendarFeedRoutes } from './calendar-feeds.js';
import { dentistRoutes } from './dentists.js';
import { patientAnswerRoutes } from './patient-answers.js';
import { patientRoutes } from './patients.js';

export function dentalRoutes(deps: DentalAppDeps): AnyRoute[] {
  return [...patientRoutes(deps), ...dentistRoutes(deps), ...appointmentRoutes(deps), ...availabilityRoutes(deps), ...billingRoutes(deps), ...calendarFeedRoutes(deps), ...patientAnswerRoutes(deps)];
}
