import type { AnyRoute } from '../../shared/route.js';
import type { CloudAppDeps } from '../app.js';

export function cloudRoutes(_deps: CloudAppDeps): AnyRoute[] {
  return [];
}
