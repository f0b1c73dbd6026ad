import { readFileSync } from 'node:fs';

/** The version in package.json, shown by GET /api. */
export const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
