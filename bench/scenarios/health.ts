// GET /api/health on each service: the cost of the request path itself (routing, logging, JSON).
// Target from the platform issue: ≥ 8,000 req/s per service with p99 < 10 ms on a 2-core machine
// (the Flask system: about 2,200 req/s). autocannon runs on the same two cores.
import { SERVICES } from '../../config/index.js';
import { runLoad } from '../lib/load.js';
import type { Scenario } from '../lib/scenario.js';

export const scenario: Scenario = {
  name: 'health',
  description: 'GET /api/health, 10 connections, 10 s per service',
  async run(stack, log) {
    const rows = [];
    for (const service of SERVICES) {
      log(`health: ${service}`);
      const load = await runLoad({ url: `${stack.urls[service]}/api/health`, connections: 10, durationSeconds: 10, cost: { stack, apis: [service] } });
      rows.push({
        name: `GET /api/health (${service})`,
        figures: {
          requestsPerSecond: load.requestsPerSecond,
          p50Ms: load.latencyMs.p50,
          p99Ms: load.latencyMs.p99,
          errors: load.errors + load.non2xx,
          rssMiB: stack.rssMiB(service),
          ...load.cost,
        },
        target: '≥ 8,000 req/s, p99 < 10 ms, 0 errors',
        met: load.requestsPerSecond >= 8000 && load.latencyMs.p99 < 10 && load.errors + load.non2xx === 0,
      });
    }
    return rows;
  },
};
