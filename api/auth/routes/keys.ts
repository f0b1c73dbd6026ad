import { defineRoute } from '../../shared/route.js';
import type { AuthContext } from '../app.js';

export function keyRoutes(deps: AuthContext) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/auth/.well-known/jwks.json',
      summary: 'Public keys that verify access tokens (JWKS)',
      access: 'public',
      handler: ({ event }) => {
        // Other services cache this; a short max-age lets a rotation reach them within minutes.
        event.res.headers.set('cache-control', 'public, max-age=300');
        return deps.keys.jwks;
      },
    }),
  ];
}
