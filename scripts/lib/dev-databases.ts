// `npm run users` and `npm run migrate` in a second terminal beside `make dev`: in development they
// reach the databases make dev runs without any variable set, since the embedded PostgreSQL's port,
// user and database names are known. In production (and tests) nothing is assumed: the
// *_DATABASE_URL variables stay required, so a command never writes to a database nobody named.
import { existsSync } from 'node:fs';
import { SERVICES } from '../../config/index.js';
import { DEV_POSTGRES_PORT, embeddedPostgresUrls } from './postgres.js';

/**
 * Reads `.env` as make dev does (variables already set win), then, in development, points every unset
 * *_DATABASE_URL at make dev's embedded PostgreSQL. Exits 78 naming QHITZ_POSTGRES_PORT when it is
 * not a port, and 69 with one sentence (not a stack trace) when nothing answers there.
 */
export function useDevDatabasesWhenUnset(env: NodeJS.ProcessEnv = process.env): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  if ((env.NODE_ENV || 'development') !== 'development') return;
  const unset = SERVICES.filter((service) => !env[`${service.toUpperCase()}_DATABASE_URL`]);
  if (!unset.length) return;
  const port = Number(env.QHITZ_POSTGRES_PORT || DEV_POSTGRES_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    process.stderr.write(`Configuration error: QHITZ_POSTGRES_PORT is invalid: must be a port number (got ${JSON.stringify(env.QHITZ_POSTGRES_PORT)}).\n`);
    process.exit(78);
  }
  const urls = embeddedPostgresUrls(port);
  for (const service of unset) env[`${service.toUpperCase()}_DATABASE_URL`] = urls[service];
  // A refused connection surfaces from the pool's socket, outside any await of ours.
  process.on('uncaughtException', (error) => {
    const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
    if (code !== 'ECONNREFUSED') {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    }
    process.stderr.write(`No PostgreSQL answered at 127.0.0.1:${port}: start \`make dev\` in another terminal first, or set the *_DATABASE_URL variables.\n`);
    process.exit(69);
  });
}
