// What a benchmark scenario is: a name, what it measures, and a run that returns rows of figures,
// each with the target it is held to (from the issue that set it).
import type { BenchStack } from './stack.js';

export interface ResultRow {
  name: string;
  /** e.g. { requestsPerSecond: 9800, p99Ms: 2 } */
  figures: Record<string, number>;
  /** Human description of the target, e.g. "≥ 8,000 req/s, p99 < 10 ms". */
  target: string;
  met: boolean;
}

export interface Scenario {
  name: string;
  description: string;
  run(stack: BenchStack, log: (line: string) => void): Promise<ResultRow[]>;
}
