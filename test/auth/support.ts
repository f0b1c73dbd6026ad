// An auth app for the auth suites: the real app on the test run's database, with each request
// given its own client address (X-Forwarded-For, trusted here) so throttling tests stay independent.
import { randomUUID } from 'node:crypto';
import type { H3 } from 'h3';
import { createAuthApp } from '../../api/auth/app.js';
import type { Config } from '../../config/index.js';
import { call, type CallOptions } from '../support/http.js';
import { getStack } from '../support/stack.js';

export async function authApp(overrides: Partial<Config> = {}): Promise<H3> {
  const stack = await getStack();
  return createAuthApp({
    ...stack.depsFor('auth'),
    keys: stack.keys,
    config: { ...stack.config, TRUST_PROXY: true, ...overrides },
  });
}

let ipCounter = 0;
/** A client address no other test uses. */
export function freshIp(): string {
  ipCounter++;
  return `10.${(process.pid >> 8) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export function from(ip: string, options: CallOptions = {}): CallOptions {
  return { ...options, headers: { ...options.headers, 'x-forwarded-for': ip } };
}

export function newAccount() {
  const id = randomUUID().slice(0, 8);
  return { username: `user_${id}`, email: `User.${id}@Example.com`, password: `correct horse ${id}` };
}

export async function registered(app: H3, account = newAccount()) {
  const response = await call(app, 'POST', '/api/auth/register', from(freshIp(), { json: account }));
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  return { ...account, id: response.body.user.id as number };
}

export async function loggedIn(app: H3, account?: ReturnType<typeof newAccount>) {
  const user = await registered(app, account);
  const response = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: user.password } }));
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  const sessionId = JSON.parse(Buffer.from(String(response.body.token).split('.')[1]!, 'base64url').toString()).sid as string;
  return { ...user, token: response.body.token as string, refreshToken: response.body.refresh_token as string, sessionId };
}

/** Polls until `check` passes or `ms` elapse: revocations are cached for up to ~2 s by design. */
export async function eventually(check: () => Promise<boolean>, ms = 6000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return check();
}
