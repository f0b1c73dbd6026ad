import type { AnyRoute } from '../../shared/route.js';
import type { CloudServices } from '../services.js';
import { fileRoutes } from './files.js';
import { folderRoutes } from './folders.js';
import { shareRoutes } from './shares.js';
import { uploadRoutes } from './upload.js';

export const cloudRoutes: AnyRoute<CloudServices>[] = [...folderRoutes, ...uploadRoutes, ...fileRoutes, ...shareRoutes];
