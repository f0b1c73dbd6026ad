import { getRequestIP, type H3Event } from 'h3';
import type { ClientInfo } from './token-pairs.js';

/**
 * Where a request comes from, for sessions, throttling and the audit trail. X-Forwarded-For is only
 * believed behind a proxy we run (TRUST_PROXY); otherwise any client could claim any address.
 */
export function clientOf(event: H3Event, trustProxy: boolean): ClientInfo {
  return {
    ip: getRequestIP(event, { xForwardedFor: trustProxy }) ?? null,
    userAgent: event.req.headers.get('user-agent')?.slice(0, 512) ?? null,
  };
}
