import type { AnyRoute } from '../../shared/route.js';
import type { MediaAppDeps } from '../app.js';

export function mediaRoutes(_deps: MediaAppDeps): AnyRoute[] {
  return [];
}
