import type { AnyRoute } from '../../shared/route.js';
import type { MediaAppDeps } from '../app.js';
import { mediaFileRoutes } from './files.js';

export function mediaRoutes(deps: MediaAppDeps): AnyRoute[] {
  return mediaFileRoutes(deps);
}
