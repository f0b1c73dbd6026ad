import type { AnyRoute } from '../../shared/route.js';
import type { AuthAppDeps } from '../app.js';
import { keyRoutes } from './keys.js';

export function authRoutes(deps: AuthAppDeps): AnyRoute[] {
  return [...keyRoutes(deps)];
}
