import { H3 } from 'h3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startHttpServer } from '../../api/shared/server.js';

const shutdown = suite('graceful shutdown');

shutdown('a request in flight finishes; new connections are refused once stopped', async () => {
  const app = new H3();
  let started!: () => void;
  const requestStarted = new Promise<void>((resolve) => (started = resolve));
  app.get('/slow', async () => {
    started();
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { done: true };
  });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 5000 });

  const inFlight = fetch(`${server.url}/slow`).then(async (response) => [response.status, await response.json()]);
  await requestStarted;
  const closed = server.close();
  assert.equal(await inFlight, [200, { done: true }]);
  await closed;

  try {
    await fetch(`${server.url}/slow`, { signal: AbortSignal.timeout(2000) });
    assert.unreachable('the server should no longer accept connections');
  } catch (error) {
    assert.match(String((error as Error).cause ?? error), /ECONNREFUSED/);
  }
});

shutdown('a request still running after the grace period is cut off rather than holding shutdown forever', async () => {
  const app = new H3();
  app.get('/stuck', () => new Promise(() => {}));
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 300 });
  const stuck = fetch(`${server.url}/stuck`).catch((error: Error) => error);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const startedAt = Date.now();
  await server.close();
  assert.ok(Date.now() - startedAt < 3000, 'close returned soon after the grace period');
  assert.instance(await stuck, Error);
});

shutdown.run();
