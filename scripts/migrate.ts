// `npm run migrate`: applies pending migrations to every service database whose URL is set (in
// development, without any set: the databases of `make dev`).
import { runWithConfig, SERVICES } from '../config/index.js';
import { migrate } from '../db/migrate.js';
import { createDatabasePool } from '../db/pool.js';
import { useDevDatabasesWhenUnset } from './lib/dev-databases.js';

useDevDatabasesWhenUnset();
await runWithConfig(async (config) => {
  let configured = 0;
  for (const service of SERVICES) {
    const name = `${service.toUpperCase()}_DATABASE_URL`;
    if (!process.env[name]) continue;
    configured++;
    const pool = await createDatabasePool(config.databaseUrl(service));
    try {
      const applied = await migrate(pool, service);
      console.log(`${service}_db: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    } finally {
      await pool.end();
    }
  }
  if (!configured) {
    console.error('No *_DATABASE_URL is set; `make dev` sets them for the embedded PostgreSQL, or export them.');
    process.exit(1);
  }
});
