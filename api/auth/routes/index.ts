import type { AnyRoute } from '../../shared/route.js';
import type { AuthServices } from '../services.js';
import { accountRoutes } from './account.js';
import { adminRoutes } from './admin.js';
import { keyRoutes } from './keys.js';
import { sessionRoutes } from './sessions.js';

export const authRoutes: AnyRoute<AuthServices>[] = [...accountRoutes, ...sessionRoutes, ...adminRoutes, ...keyRoutes];
