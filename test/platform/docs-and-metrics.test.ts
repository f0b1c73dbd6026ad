import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { defineRoute } from '../../api/shared/route.js';
import { call, tokenFor } from '../support/http.js';
import { probeApp as sharedProbeApp } from '../support/probe-app.js';

const docs = suite('OpenAPI document, reference page and metrics');

function probeApp() {
  return sharedProbeApp(
    [
      defineRoute({
        method: 'PUT',
        path: '/api/notes/:id',
        summary: 'Replace a note',
        access: 'staff',
        params: z.object({ id: z.coerce.number().int().positive() }),
        query: z.object({ draft: z.enum(['true', 'false']).optional() }),
        body: z.object({ text: z.string().min(1).max(500) }),
        responses: { 200: { description: 'The note', schema: z.object({ note: z.object({ id: z.number(), text: z.string() }) }) } },
        handler: ({ params, body }) => ({ note: { id: params.id, text: body.text } }),
      }),
      defineRoute({ method: 'GET', path: '/api/open', summary: 'Anyone', access: 'public', handler: () => ({ ok: true }) }),
    ],
    { version: '1.2.3' },
  );
}

docs('the document lists every route with its input, security and error shapes', async () => {
  const app = await probeApp();
  const { status, body: document } = await call(app, 'GET', '/api/openapi.json');
  assert.is(status, 200);
  assert.is(document.openapi, '3.1.0');
  assert.equal(document.info, { title: 'Probe API', version: '1.2.3' });
  const listed = (await call(app, 'GET', '/api')).body.endpoints as Array<{ method: string; path: string }>;
  for (const endpoint of listed) {
    const path = endpoint.path.replace(/:(\w+)/g, '{$1}');
    assert.ok(document.paths[path]?.[endpoint.method.toLowerCase()], `${endpoint.method} ${endpoint.path} is documented`);
  }
  const put = document.paths['/api/notes/{id}'].put;
  assert.equal(put.security, [{ bearer: [] }]);
  assert.equal(
    put.parameters.map((parameter: { name: string; in: string; required: boolean }) => [parameter.name, parameter.in, parameter.required]),
    [['id', 'path', true], ['draft', 'query', false]],
  );
  assert.equal(put.requestBody.content['application/json'].schema.required, ['text']);
  for (const code of ['200', '401', '403', '404', '422', '503']) assert.ok(put.responses[code], `documents ${code}`);
  assert.equal(document.paths['/api/open'].get.security, []);
  assert.is(document.components.securitySchemes.bearer.scheme, 'bearer');
});

docs('named schemas become components; paths differing only in parameter names share one template; declared errors carry the error schema', async () => {
  const Note = z.object({ id: z.number(), text: z.string() }).meta({ id: 'Note' });
  const app = await sharedProbeApp([
    defineRoute({
      method: 'POST',
      path: '/api/share/:file_id',
      summary: 'Share a file',
      access: 'user',
      params: z.object({ file_id: z.coerce.number().int() }),
      body: z.object({ note: z.string() }),
      responses: { 201: { description: 'Shared', schema: z.object({ notes: z.array(Note), first: Note }) }, 409: { description: 'Already shared' } },
      example: { params: { file_id: 7 }, body: { note: 'for Ana' } },
      handler: () => ({}),
    }),
    defineRoute({ method: 'DELETE', path: '/api/share/:token', summary: 'Revoke', access: 'user', params: z.object({ token: z.string() }), handler: () => ({}) }),
  ]);
  const document = (await call(app, 'GET', '/api/openapi.json')).body;
  assert.equal(Object.keys(document.paths).filter((path) => path.startsWith('/api/share')), ['/api/share/{file_id_or_token}']);
  const { post, delete: revoke } = document.paths['/api/share/{file_id_or_token}'];
  const { schema: _schema, ...parameter } = post.parameters[0];
  assert.equal(parameter, { name: 'file_id_or_token', in: 'path', required: true, description: 'The file id', example: 7 });
  assert.is(revoke.parameters[0].description, 'The token');
  assert.equal(post.requestBody.content['application/json'].example, { note: 'for Ana' });
  const created = post.responses['201'].content['application/json'].schema;
  assert.equal([created.properties.first, created.properties.notes.items], [{ $ref: '#/components/schemas/Note' }, { $ref: '#/components/schemas/Note' }]);
  assert.equal(document.components.schemas.Note.required, ['id', 'text']);
  assert.not.ok(JSON.stringify(document).includes('$defs'), 'no $defs left to point at the document root');
  for (const code of ['409', '401', '422']) assert.equal(post.responses[code].content['application/json'].schema, { $ref: '#/components/schemas/Error' }, code);
});

docs('the reference page is served with its assets, without a CDN', async () => {
  const app = await probeApp();
  const page = await call(app, 'GET', '/api/docs');
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.not.match(page.text, /https?:\/\//, 'no external URL');
  const script = await call(app, 'GET', '/api/docs/swagger-ui-bundle.js');
  assert.is(script.status, 200);
  assert.ok(script.text.length > 100_000);
  assert.is((await call(app, 'GET', '/api/docs/..%2Fpackage.json')).status, 404);
});

docs('metrics count requests by route pattern and status', async () => {
  const app = await probeApp();
  const token = await tokenFor({ id: 3, role: 'staff' });
  await call(app, 'PUT', '/api/notes/41', { token, json: { text: 'hello' } });
  await call(app, 'PUT', '/api/notes/42', { token, json: { text: '' } });
  const metrics = await call(app, 'GET', '/metrics');
  assert.is(metrics.status, 200);
  assert.match(metrics.text, /http_requests_total\{[^}]*method="PUT",route="\/api\/notes\/:id",status="200"[^}]*\} 1/);
  assert.match(metrics.text, /http_requests_total\{[^}]*route="\/api\/notes\/:id",status="422"[^}]*\} 1/);
  assert.match(metrics.text, /http_request_duration_seconds_bucket\{/);
  assert.not.match(metrics.text, /notes\/41/, 'raw paths never become labels');
});

docs.run();
