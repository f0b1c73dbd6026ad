import { loadSigningKeys } from '../../core/auth/signing-keys.js';
import { runService } from '../shared/runtime.js';
import { createAuthApp } from './app.js';
import { startAuthMaintenance } from './maintenance.js';

await runService('auth', { temporal: false }, async (deps) => {
  const keys = await loadSigningKeys(deps.config);
  const stopMaintenance = startAuthMaintenance(deps.pool, deps.config, deps.logger);
  return { app: createAuthApp({ ...deps, keys }), close: async () => stopMaintenance() };
});
