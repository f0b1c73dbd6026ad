// `npm run bench [scenario ...]`: starts a production-like stack on free ports, runs the scenarios in
// bench/scenarios/ (all, or those named), writes bench/results/<scenario>.json and prints a table.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { ResultRow, Scenario } from './lib/scenario.js';
import { startBenchStack } from './lib/stack.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const wanted = process.argv.slice(2);
const scenarioDir = new URL('./scenarios/', import.meta.url);
const scenarios: Scenario[] = [];
for (const file of readdirSync(scenarioDir).filter((name) => /\.ts$|\.js$/.test(name)).sort()) {
  const { scenario } = (await import(new URL(file, scenarioDir).href)) as { scenario: Scenario };
  if (!wanted.length || wanted.includes(scenario.name)) scenarios.push(scenario);
}
if (!scenarios.length) {
  log(`no scenario matches ${wanted.join(', ')}`);
  process.exit(1);
}

const stack = await startBenchStack(log);
const machine = { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version };
const all: Array<ResultRow & { scenario: string }> = [];
try {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  for (const scenario of scenarios) {
    log(`running ${scenario.name}: ${scenario.description}`);
    const rows = await scenario.run(stack, log);
    const file = new URL(`./results/${scenario.name}.json`, import.meta.url);
    writeFileSync(file, `${JSON.stringify({ scenario: scenario.name, description: scenario.description, at: new Date().toISOString(), machine, rows }, null, 2)}\n`);
    all.push(...rows.map((row) => ({ ...row, scenario: scenario.name })));
  }
} finally {
  await stack.stop();
}

const columns = [...new Set(all.flatMap((row) => Object.keys(row.figures)))];
console.log(
  ['| benchmark | ' + columns.join(' | ') + ' | target | met |', '|---'.repeat(columns.length + 3) + '|']
    .concat(all.map((row) => `| ${row.name} | ${columns.map((c) => row.figures[c]?.toLocaleString('en') ?? '').join(' | ')} | ${row.target} | ${row.met ? 'yes' : 'NO'} |`))
    .join('\n'),
);
