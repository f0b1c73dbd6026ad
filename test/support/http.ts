// Calls an app the way a client would, through its fetch handler (no port needed), and returns the
// status, headers and parsed body.
import { randomUUID } from 'node:crypto';
import type { H3 } from 'h3';
import { issueAccessToken } from '../../core/auth/access-tokens.js';
import type { Role } from '../../db/auth/users.js';
import { getStack } from './stack.js';

export interface CallOptions {
  token?: string;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(app: H3, method: string, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  }
  const response = await app.fetch(new Request(`http://test.local${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/**
 * An access token for a user id and role, signed with the real auth keys, so media, cloud and dental
 * tests need no account rows. Tests of logins and sessions go through the auth API instead.
 */
export async function tokenFor(user: { id: number; role?: Role; sessionId?: string }): Promise<string> {
  const { keys, config } = await getStack();
  const { token } = await issueAccessToken(
    keys,
    { userId: user.id, role: user.role ?? 'user', sessionId: user.sessionId ?? randomUUID() },
    { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS },
  );
  return token;
}
