// Who may call what, for every route every service serves (read from the services' own route
// tables, so a new route cannot skip this): anonymous, forged, expired and malformed tokens get 401 on
// anything not public, a plain user gets 403 on staff and admin routes, staff get 403 on admin routes,
// and allowed callers are never refused. Nobody, ever, gets a 5xx.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Access } from '../../api/shared/route.js';
import { type CallerKind, concretePath, getServices } from './services.js';

const test = suite('authorization matrix');

const RANK: Record<'user' | 'staff' | 'admin', number> = { user: 1, staff: 2, admin: 3 };

/** The statuses a caller may get from a route of this access level; null: any non-5xx but 401/403. */
function expected(access: Access, path: string, caller: CallerKind): number[] | null {
  // A public route whose path carries a secret (the Temporal UI's codec address) refuses a wrong one.
  if (access === 'public') return path.includes(':secret') ? [401] : null;
  if (caller === 'anonymous') return access === 'optional' ? [401, 403, 404] : [401];
  if (caller === 'forged' || caller === 'expired' || caller === 'garbage') return [401];
  if (access === 'optional') return null;
  const rank = RANK[caller === 'other' ? 'user' : caller];
  return rank >= RANK[access] ? null : [403];
}

test('every route answers each kind of caller as its access level says', async () => {
  const services = await getServices();
  assert.ok(services.endpoints.length > 60, `all four route tables were read (${services.endpoints.length} routes)`);
  const failures: string[] = [];
  // Auth routes last, each with a session of its own: logout, logout-all and the like end the
  // session they are called with, and the other services would then rightly refuse it.
  const ordered = [...services.endpoints].sort((a, b) => Number(a.service === 'auth') - Number(b.service === 'auth'));
  for (const endpoint of ordered) {
    for (const caller of ['anonymous', 'forged', 'expired', 'garbage', 'user', 'staff', 'admin'] as const) {
      const ownSession = endpoint.service === 'auth' && endpoint.access !== 'public' && (caller === 'user' || caller === 'staff' || caller === 'admin');
      const token = caller === 'anonymous' ? undefined : ownSession ? (await services.login(caller)).token : services.callers[caller].token;
      const withBody = ['POST', 'PUT', 'PATCH'].includes(endpoint.method);
      const answer = await services.request(endpoint.service, endpoint.method, concretePath(endpoint.path), { token, ...(withBody && { json: {} }) });
      const allowed = expected(endpoint.access, endpoint.path, caller);
      const label = `${endpoint.method} ${endpoint.path} (${endpoint.access}) as ${caller}: ${answer.status} ${answer.text.slice(0, 160)}`;
      if (answer.status >= 500) failures.push(label);
      else if (allowed ? !allowed.includes(answer.status) : answer.status === 401 || answer.status === 403) failures.push(label);
      else if (answer.status >= 400 && endpoint.method !== 'HEAD' && typeof answer.body?.error !== 'string') failures.push(`${label} (not a JSON error)`);
    }
  }
  assert.equal(failures, []);
});

test('the expired token is refused for its expiry alone', async () => {
  const services = await getServices();
  const control = await services.resignedAdmin(600);
  for (const [service, path] of [['auth', '/api/auth/users'], ['cloud', '/api/cloud/files'], ['media', '/api/media/files'], ['dental', '/api/dental/patients']] as const) {
    assert.is((await services.request(service, 'GET', path, { token: control })).status, 200, `${path} with the same token, unexpired`);
    const refused = await services.request(service, 'GET', path, { token: services.callers.expired.token });
    assert.equal([refused.status, typeof refused.body.error], [401, 'string'], `${path} expired: ${refused.text}`);
  }
});

test('the declared access levels are the ones the product promises', async () => {
  const { endpoints } = await getServices();
  const of = (method: string, path: string) => endpoints.find((endpoint) => endpoint.method === method && endpoint.path === path)?.access;
  // A patient answers a reminder, and a calendar app reads a dentist's feed, without an account: the
  // signed link or the feed's token is the proof.
  const forPatients = ['GET /api/dental/answer/:token', 'POST /api/dental/answer/:token', 'GET /api/dental/dentist/:id/calendar.ics'];
  for (const endpoint of endpoints.filter((endpoint) => endpoint.path.startsWith('/api/dental/'))) {
    if (forPatients.includes(`${endpoint.method} ${endpoint.path}`)) assert.is(endpoint.access, 'public', `${endpoint.method} ${endpoint.path} needs no account`);
    else assert.ok(endpoint.access === 'staff' || endpoint.access === 'admin', `${endpoint.method} ${endpoint.path} is for staff: ${endpoint.access}`);
  }
  assert.ok(forPatients.every((route) => endpoints.some((endpoint) => `${endpoint.method} ${endpoint.path}` === route)), 'the patient routes are served');
  assert.is(of('PUT', '/api/cloud/quota/:user_id'), 'admin');
  assert.ok(endpoints.filter((endpoint) => endpoint.path.startsWith('/api/auth/users')).every((endpoint) => endpoint.access === 'admin'));
  assert.is(of('GET', '/api/cloud/shared/:token'), 'public', 'share links work without an account');
  for (const path of ['/api', '/api/health', '/api/openapi.json', '/api/docs', '/metrics']) assert.is(of('GET', path), 'public');
});

test('another user’s files, folders and share lists are not found, not forbidden', async () => {
  const services = await getServices();
  const { user, other } = services.callers;
  const form = new FormData();
  form.append('file', new Blob(['private notes']), 'private.txt');
  const cloudFile = (await services.request('cloud', 'POST', '/api/cloud/upload', { token: user.token, body: form })).body.files[0];
  const folder = (await services.request('cloud', 'POST', '/api/cloud/folders', { token: user.token, json: { name: `private-${Date.now()}` } })).body.folder;
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  const media = new FormData();
  media.append('file', new Blob([new Uint8Array(png)]), 'dot.png');
  const mediaFile = (await services.request('media', 'POST', '/api/media/upload', { token: user.token, body: media })).body.files[0];

  const probes: Array<[ 'cloud' | 'media', string, string, unknown?]> = [
    ['cloud', 'GET', `/api/cloud/file/${cloudFile.id}`],
    ['cloud', 'GET', `/api/cloud/download/${cloudFile.id}`],
    ['cloud', 'GET', `/api/cloud/file/${cloudFile.id}/versions`],
    ['cloud', 'GET', `/api/cloud/file/${cloudFile.id}/shares`],
    ['cloud', 'POST', `/api/cloud/share/${cloudFile.id}`, { expires_in: 60 }],
    ['cloud', 'PATCH', `/api/cloud/file/${cloudFile.id}`, { name: 'mine.txt' }],
    ['cloud', 'DELETE', `/api/cloud/file/${cloudFile.id}`],
    ['cloud', 'GET', `/api/cloud/folder/${folder.id}`],
    ['cloud', 'PATCH', `/api/cloud/folder/${folder.id}`, { name: 'mine' }],
    ['cloud', 'DELETE', `/api/cloud/folder/${folder.id}`],
    ['media', 'GET', `/api/media/file/${mediaFile.id}`],
    ['media', 'GET', `/api/media/download/${mediaFile.id}`],
    ['media', 'PUT', `/api/media/file/${mediaFile.id}`, { description: 'mine' }],
    ['media', 'DELETE', `/api/media/file/${mediaFile.id}`],
  ];
  for (const [service, method, path, json] of probes) {
    const answer = await services.request(service, method, path, { token: other.token, json });
    assert.is(answer.status, 404, `${method} ${path} by another user: ${answer.status} ${answer.text.slice(0, 120)}`);
  }
  assert.is((await services.request('cloud', 'GET', `/api/cloud/file/${cloudFile.id}`, { token: user.token })).status, 200, 'the owner still has it');
  assert.is((await services.request('media', 'GET', `/api/media/file/${mediaFile.id}`, { token: user.token })).status, 200, 'the owner still has it');
});

test.run();
