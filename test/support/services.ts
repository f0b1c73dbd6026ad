// The four real services built on the shared stack, for tests that look at all of them at once
// (their documents, their examples). Auth trusts X-Forwarded-For so a test can give its requests an
// address of their own, away from the login throttling other suites cause.
import type { H3 } from 'h3';
import { createAuthApp } from '../../api/auth/app.js';
import { createCloudApp } from '../../api/cloud/app.js';
import { createDentalApp } from '../../api/dental/app.js';
import { createMediaApp } from '../../api/media/app.js';
import { getStack } from './stack.js';

export type ServiceApps = Record<'auth' | 'media' | 'cloud' | 'dental', H3>;

export async function serviceApps(): Promise<ServiceApps> {
  const stack = await getStack();
  return {
    auth: createAuthApp({ ...stack.depsFor('auth'), keys: stack.keys, config: { ...stack.config, TRUST_PROXY: true } }),
    media: createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }),
    cloud: createCloudApp({ ...stack.depsFor('cloud'), guard: stack.guard }),
    dental: createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard }),
  };
}
