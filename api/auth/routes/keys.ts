// The public keys that verify access tokens, which every other service fetches and caches.
import { defineRoute } from '../../shared/route.js';
import type { AuthContext } from '../services.js';

function showSigningKeys({ services, event }: AuthContext<{ access: 'public' }>) {
  // Other services cache this; a short max-age lets a rotation reach them within minutes.
  event.res.headers.set('cache-control', 'public, max-age=300');
  return services.keys.jwks;
}

export const keyRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/auth/.well-known/jwks.json',
    summary: 'Public keys that verify access tokens (JWKS)',
    access: 'public',
    handler: showSigningKeys,
  }),
];
