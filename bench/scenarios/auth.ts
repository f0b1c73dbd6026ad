// Logins at the configured argon2id cost, and what they do to everything else: the auth service's
// health latency during a login flood (argon2 runs off the event loop), and the cost of verifying an
// access token in another service. Targets (auth issue): ≥ 80 logins/s (Flask: 26/s), health p99 < 20 ms
// during the flood, verification < 0.2 ms per request.
import { randomUUID } from 'node:crypto';
import { createAccessTokenVerifier } from '../../core/auth/access-tokens.js';
import { signingKeysFromJwks } from '../../core/auth/signing-keys.js';
import { runLoad } from '../lib/load.js';
import type { ResultRow, Scenario } from '../lib/scenario.js';

const ACCOUNTS = 16;

export const scenario: Scenario = {
  name: 'auth',
  description: `POST /api/auth/login for 15 s (8 connections, ${ACCOUNTS} accounts in turn) with GET /api/health alongside; token verification in-process`,
  async run(stack, log) {
    const auth = stack.urls.auth;
    // Staff of a practice logging in, each their own account: one account is throttled by design once
    // five of its logins are in flight or failed at once (attempts count before the password is checked).
    const accounts: Array<{ username: string; email: string; password: string }> = [];
    for (let index = 0; index < ACCOUNTS; index++) {
      const account = { username: `bench_${randomUUID().slice(0, 8)}`, email: `bench.${randomUUID().slice(0, 8)}@example.com`, password: 'bench password 42' };
      const registered = await fetch(`${auth}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
      if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`);
      accounts.push(account);
    }
    const account = accounts[0]!;
    let next = 0;

    log('auth: login flood with health alongside');
    const [logins, health] = await Promise.all([
      runLoad({
        url: `${auth}/api/auth/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        nextBody: () => {
          const { email, password } = accounts[next++ % ACCOUNTS]!;
          return JSON.stringify({ email, password });
        },
        connections: 8,
        durationSeconds: 15,
        // Per login; the health requests alongside are counted in it too (a small share beside argon2id).
        cost: { stack, apis: ['auth'] },
      }),
      runLoad({ url: `${auth}/api/health`, connections: 2, durationSeconds: 15 }),
    ]);

    log('auth: token verification cost');
    const keys = await signingKeysFromJwks(JSON.parse(stack.env.AUTH_SIGNING_KEYS!));
    const verify = createAccessTokenVerifier({ keys: keys.verificationKeys, issuer: stack.env.JWT_ISSUER ?? 'qhitz-auth', audience: stack.env.JWT_AUDIENCE ?? 'qhitz' });
    const login = await fetch(`${auth}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: account.email, password: account.password }) });
    const { token } = (await login.json()) as { token: string };
    for (let index = 0; index < 500; index++) await verify(token); // warm-up
    const rounds = 5000;
    const started = performance.now();
    for (let index = 0; index < rounds; index++) await verify(token);
    const verifyMs = (performance.now() - started) / rounds;

    const rows: ResultRow[] = [
      {
        name: 'POST /api/auth/login (argon2id m=19456 t=2 p=1)',
        figures: { requestsPerSecond: logins.requestsPerSecond, p50Ms: logins.latencyMs.p50, p99Ms: logins.latencyMs.p99, errors: logins.errors + logins.non2xx, rssMiB: stack.rssMiB('auth'), ...logins.cost },
        target: '≥ 80 logins/s, 0 errors',
        met: logins.requestsPerSecond >= 80 && logins.errors + logins.non2xx === 0,
      },
      {
        name: 'GET /api/health (auth) during the login flood',
        figures: { requestsPerSecond: health.requestsPerSecond, p50Ms: health.latencyMs.p50, p99Ms: health.latencyMs.p99, errors: health.errors + health.non2xx },
        target: 'p99 < 20 ms',
        met: health.latencyMs.p99 < 20 && health.errors + health.non2xx === 0,
      },
      {
        name: 'access-token verification (per request, in-process)',
        figures: { verifyMicroseconds: Math.round(verifyMs * 1000) },
        target: '< 200 µs',
        met: verifyMs < 0.2,
      },
    ];
    return rows;
  },
};
