import { runService } from '../shared/runtime.js';
import { createAuthApp } from './app.js';
import { loadSigningKeys } from './signing-keys.js';

await runService('auth', { temporal: false }, async (deps) => {
  const keys = await loadSigningKeys(deps.config);
  return { app: createAuthApp({ ...deps, keys }) };
});
