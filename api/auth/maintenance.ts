// Housekeeping of the auth database: audit events older than the retention, and login attempts too
// old to count for throttling. Hourly, and once at start.
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import { pruneAuditEvents, pruneLoginAttempts } from '../../db/auth/security.js';
import type { Logger } from '../../core/logger.js';

export function startAuthMaintenance(pool: DatabasePool, config: Config, logger: Logger): () => void {
  const run = async () => {
    try {
      const removed = await pruneAuditEvents(pool, config.AUDIT_RETENTION_DAYS);
      await pruneLoginAttempts(pool, config.LOGIN_THROTTLE_WINDOW_SECONDS);
      if (removed) logger.info({ removed, retentionDays: config.AUDIT_RETENTION_DAYS }, 'pruned old audit events');
    } catch (error) {
      logger.warn({ err: error }, 'auth housekeeping failed; will retry in an hour');
    }
  };
  void run();
  const timer = setInterval(() => void run(), 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}
