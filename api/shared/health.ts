// GET /api/health: is this service able to do its work right now? Each dependency is probed with a
// short timeout. Results are shared for a second, so a load balancer polling hard (or a benchmark)
// costs one probe per second, not one per request, and an outage still shows within seconds.
import { type DatabasePool, sql } from 'slonik';
import { withTimeLimit } from './time-limit.js';

export type HealthProbe = () => Promise<void>;

export interface HealthReport {
  healthy: boolean;
  /** dependency name → 'connected' | 'disconnected' */
  dependencies: Record<string, 'connected' | 'disconnected'>;
  errors: Record<string, string>;
}

const PROBE_TIMEOUT_MS = 1500;
const REPORT_TTL_MS = 1000;

export function databaseProbe(pool: DatabasePool): HealthProbe {
  return async () => {
    await pool.oneFirst(sql.unsafe`select 1`);
  };
}

export function createHealthCheck(probes: Record<string, HealthProbe>): () => Promise<HealthReport> {
  let latest: { at: number; report: Promise<HealthReport> } | undefined;

  async function runProbes(): Promise<HealthReport> {
    const entries = await Promise.all(
      Object.entries(probes).map(async ([name, probe]) => {
        try {
          await withTimeLimit(probe(), PROBE_TIMEOUT_MS, () => new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`));
          return [name, null] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    const dependencies: HealthReport['dependencies'] = {};
    const errors: HealthReport['errors'] = {};
    for (const [name, error] of entries) {
      dependencies[name] = error === null ? 'connected' : 'disconnected';
      if (error !== null) errors[name] = error;
    }
    return { healthy: Object.keys(errors).length === 0, dependencies, errors };
  }

  return () => {
    const now = Date.now();
    if (!latest || now - latest.at >= REPORT_TTL_MS) latest = { at: now, report: runProbes() };
    return latest.report;
  };
}
