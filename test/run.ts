// Loads every *.test.ts under test/ (optionally only paths containing one of QHITZ_TEST_FILTER's comma-separated parts), runs them
// with uvu, then closes the shared stack so the process can exit. Started by scripts/test.ts.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTeardowns } from './support/teardown.js';

const root = new URL('.', import.meta.url).pathname;
const filters = (process.env.QHITZ_TEST_FILTER ?? '').split(',').map((filter) => filter.replace(/^\.\//, ''));
const files = (readdirSync(root, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => join(root, file))
  .filter((file) => filters.some((filter) => relative(process.cwd(), file).includes(filter)))
  .sort();

// uvu decides at import time whether to run suites at once or queue them: queue them.
const globals = globalThis as { UVU_DEFER?: number; UVU_INDEX?: number; UVU_QUEUE?: unknown[][] };
globals.UVU_DEFER = 1;
const { exec } = await import('uvu');
for (const [index, file] of files.entries()) {
  globals.UVU_INDEX = index;
  globals.UVU_QUEUE!.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}
await exec(false);
await runTeardowns();
process.exit(process.exitCode ?? 0);
