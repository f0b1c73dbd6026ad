import type { AnyRoute } from '../../shared/route.js';
import type { MediaServices } from '../services.js';
import { mediaFileRoutes } from './files.js';

export const mediaRoutes: AnyRoute<MediaServices>[] = mediaFileRoutes;
