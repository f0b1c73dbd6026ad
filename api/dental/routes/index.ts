import type { AnyRoute } from '../../shared/route.js';
import type { DentalAppDeps } from '../app.js';

export function dentalRoutes(_deps: DentalAppDeps): AnyRoute[] {
  return [];
}
