// After `tsc`, put the SQL migrations beside the compiled runner (dist/db/migrations), where
// db/migrate.ts looks for them relative to its own file.
import { cpSync } from 'node:fs';

cpSync('db/migrations', 'dist/db/migrations', { recursive: true });
