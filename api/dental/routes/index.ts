import type { AnyRoute } from '../../shared/route.js';
import type { DentalServices } from '../services.js';
import { appointmentRoutes } from './appointments.js';
import { availabilityRoutes } from './availability.js';
import { billingRoutes } from './billing.js';
import { calendarFeedRoutes } from './calendar-feeds.js';
import { dentistRoutes } from './dentists.js';
import { patientAnswerRoutes } from './patient-answers.js';
import { patientRoutes } from './patients.js';

export const dentalRoutes: AnyRoute<DentalServices>[] = [
  ...patientRoutes,
  ...dentistRoutes,
  ...appointmentRoutes,
  ...availabilityRoutes,
  ...billingRoutes,
  ...calendarFeedRoutes,
  ...patientAnswerRoutes,
];
