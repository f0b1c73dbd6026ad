// Route files are tables of named handlers that receive what their service built once (`services`)
// beside the request's parsed input (api/shared/route.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { authRoutes } from '../../api/auth/routes/index.js';
import { cloudRoutes } from '../../api/cloud/routes/index.js';
import { mediaRoutes } from '../../api/media/routes/index.js';
import { type AnyRoute, defineRoute, type HandlerContext } from '../../api/shared/route.js';
import { call, tokenFor } from '../support/http.js';
import { probeApp } from '../support/probe-app.js';

const handlers = suite('route handlers');

handlers('every handler gets the one services object its app was built with, beside its parsed input', async () => {
  const built = { greeting: 'hello', calls: 0 };
  const noteId = z.object({ id: z.coerce.number().int().positive() });
  async function greetNote({ services, params, user }: HandlerContext<typeof built, { access: 'user'; params: typeof noteId }>) {
    services.calls++;
    return { message: `${services.greeting} ${params.id}`, by: user.id, calls: services.calls };
  }
  const app = await probeApp([defineRoute({ method: 'GET', path: '/api/notes/:id', summary: 'Greet a note', access: 'user', params: noteId, handler: greetNote })], { services: built });
  const token = await tokenFor({ id: 7 });
  assert.equal((await call(app, 'GET', '/api/notes/3', { token })).body, { message: 'hello 3', by: 7, calls: 1 });
  assert.equal((await call(app, 'GET', '/api/notes/4', { token })).body, { message: 'hello 4', by: 7, calls: 2 }, 'the same object, not one per request');
  assert.is(built.calls, 2);
});

handlers('auth, media and cloud handlers have names of their own, so a stack trace or a search finds them', () => {
  for (const [service, routes] of [['auth', authRoutes], ['media', mediaRoutes], ['cloud', cloudRoutes]] as Array<[string, AnyRoute[]]>) {
    const names = routes.map((route) => route.handler.name);
    for (const [index, name] of names.entries()) {
      assert.ok(name && name !== 'handler', `${service} ${routes[index]!.method} ${routes[index]!.path} has an anonymous handler`);
    }
    assert.is(new Set(names).size, names.length, `${service}: one handler per route, each named once: ${names.join(', ')}`);
  }
});

handlers.run();
