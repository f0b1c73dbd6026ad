// The four real apps on real ports (uploads need a Node request), their route tables as they serve
// them (GET /api, with each route's access), and callers of every kind: anonymous, a plain user,
// another plain user, staff and admin with real sessions from the auth API, and forged tokens.
import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { sql } from 'slonik';
import { createAuthApp } from '../../api/auth/app.js';
import { createCloudApp } from '../../api/cloud/app.js';
import { createDentalApp } from '../../api/dental/app.js';
import { createMediaApp } from '../../api/media/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import type { Access } from '../../api/shared/route.js';
import type { ServiceName } from '../../config/index.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

export interface Endpoint {
  service: ServiceName;
  method: string;
  path: string;
  access: Access;
}

export type CallerKind = 'anonymous' | 'user' | 'other' | 'staff' | 'admin' | 'forged' | 'expired' | 'garbage';

export interface Services {
  urls: Record<ServiceName, string>;
  endpoints: Endpoint[];
  callers: Record<Exclude<CallerKind, 'anonymous'>, { token: string; id: number }>;
  /** A new account with a new session (for calls that may end the session they are made with). */
  login(role: 'user' | 'staff' | 'admin'): Promise<{ token: string; id: number; username: string }>;
  /** The admin's session re-signed with the real key, expiring in this many seconds (negative: expired). */
  resignedAdmin(expiresInSeconds: number): Promise<string>;
  request(service: ServiceName, method: string, path: string, options?: { token?: string; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
}

let services: Promise<Services> | undefined;

export function getServices(): Promise<Services> {
  services ??= start();
  return services;
}

async function start(): Promise<Services> {
  const stack = await getStack();
  await ensureWorkers();
  const apps = {
    auth: createAuthApp({ ...stack.depsFor('auth'), keys: stack.keys, config: { ...stack.config, TRUST_PROXY: true } }),
    media: createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }),
    cloud: createCloudApp({ ...stack.depsFor('cloud'), guard: stack.guard }),
    dental: createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard }),
  };
  const urls = {} as Record<ServiceName, string>;
  for (const [service, app] of Object.entries(apps) as Array<[ServiceName, (typeof apps)[ServiceName]]>) {
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 1000 });
    onTeardown(() => server.close());
    urls[service] = server.url;
  }

  let ip = 0;
  const request: Services['request'] = async (service, method, path, options = {}) => {
    const headers: Record<string, string> = { 'x-forwarded-for': `10.77.${(ip >> 8) & 255}.${ip++ & 255}`, ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const payload = options.json !== undefined ? JSON.stringify(options.json) : options.body;
    const response = await fetch(`${urls[service]}${path}`, { method, headers, body: payload, redirect: 'manual', ...(payload instanceof ReadableStream && { duplex: 'half' }) } as RequestInit);
    const text = method === 'HEAD' ? '' : await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    return { status: response.status, body, text };
  };

  // Real accounts with real sessions: the auth API checks its own sessions, the others the feed.
  const login = async (role: 'user' | 'staff' | 'admin') => {
    const tag = randomUUID().slice(0, 8);
    const account = { username: `matrix_${tag}`, email: `matrix.${tag}@example.com`, password: `matrix password ${tag}` };
    const registered = await request('auth', 'POST', '/api/auth/register', { json: account });
    if (registered.status !== 201) throw new Error(`register: ${registered.status} ${registered.text}`);
    const id = registered.body.user.id as number;
    if (role !== 'user') await stack.pools.auth.query(sql.unsafe`update users set role = ${role} where id = ${id}`);
    const loggedIn = await request('auth', 'POST', '/api/auth/login', { json: { email: account.email, password: account.password } });
    if (loggedIn.status !== 200) throw new Error(`login: ${loggedIn.status} ${loggedIn.text}`);
    return { token: loggedIn.body.token as string, id, username: account.username };
  };
  const [user, other, staff, admin] = await Promise.all([login('user'), login('user'), login('staff'), login('admin')]);

  // Well-formed and unexpired, claiming admin, but signed by a key the auth service never had.
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const forged = await new SignJWT({ role: 'admin', sid: randomUUID() })
    .setProtectedHeader({ alg: 'EdDSA', kid: stack.keys.current.kid, typ: 'JWT' })
    .setSubject(String(admin.id))
    .setIssuer(stack.config.JWT_ISSUER)
    .setAudience(stack.config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
  // The admin's own live session, signed with the real key, but past its expiry: only `exp` is wrong
  // (`resignedAdmin(+600)`, the same token still valid, is the control that proves it).
  const claims = JSON.parse(Buffer.from(admin.token.split('.')[1]!, 'base64url').toString()) as { role: string; sid: string; sub: string };
  const resignedAdmin = (expiresInSeconds: number) =>
    new SignJWT({ role: claims.role, sid: claims.sid })
      .setProtectedHeader({ alg: 'EdDSA', kid: stack.keys.current.kid, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(stack.config.JWT_ISSUER)
      .setAudience(stack.config.JWT_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(stack.keys.current.privateKey);
  const expired = await resignedAdmin(-60);

  const endpoints: Endpoint[] = [];
  for (const service of Object.keys(apps) as ServiceName[]) {
    const listed = (await request(service, 'GET', '/api')).body.endpoints as Array<Omit<Endpoint, 'service'>>;
    endpoints.push(...listed.map((endpoint) => ({ ...endpoint, service })));
  }
  return { urls, endpoints, callers: { user, other, staff, admin, forged: { token: forged, id: admin.id }, expired: { token: expired, id: admin.id }, garbage: { token: 'not-a-jwt', id: admin.id } }, login, resignedAdmin, request };
}

/** A concrete path for a route pattern: ids no row has (the matrix is about who, not what). */
export function concretePath(path: string): string {
  return path.replace(/:(\w+)/g, (_, name: string) => (name === 'token' ? 'no-such-token-0000000000' : '987654321'));
}
