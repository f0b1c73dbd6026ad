import type { AnyRoute } from '../../shared/route.js';
import type { CloudAppDeps } from '../app.js';
import { fileRoutes } from './files.js';
import { folderRoutes } from './folders.js';
import { shareRoutes } from './shares.js';

export function cloudRoutes(deps: CloudAppDeps): AnyRoute[] {
  return [...folderRoutes(deps), ...fileRoutes(deps), ...shareRoutes(deps)];
}
