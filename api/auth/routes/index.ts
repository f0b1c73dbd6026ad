import type { AnyRoute } from '../../shared/route.js';
import type { AuthContext } from '../app.js';
import { accountRoutes } from './account.js';
import { adminRoutes } from './admin.js';
import { keyRoutes } from './keys.js';
import { sessionRoutes } from './sessions.js';

export function authRoutes(context: AuthContext): AnyRoute[] {
  return [...accountRoutes(context), ...sessionRoutes(context), ...adminRoutes(context), ...keyRoutes(context)];
}
