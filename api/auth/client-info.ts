import { isIP } from 'node:net';
import { getRequestIP, type H3Event } from 'h3';
import type { ClientInfo } from './token-pairs.js';

/**
 * Where a request comes from, for sessions, throttling and the audit trail. X-Forwarded-For is only
 * believed behind a proxy we run (TRUST_PROXY), and only its last entry: the proxy appends the
 * address it saw, anything to the left of it was written by the client.
 */
export function clientOf(event: H3Event, trustProxy: boolean): ClientInfo {
  return {
    ip: (trustProxy && forwardedFor(event)) || getRequestIP(event) || null,
    userAgent: event.req.headers.get('user-agent')?.slice(0, 512) ?? null,
  };
}

function forwardedFor(event: H3Event): string | undefined {
  const last = event.req.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
  return last && isIP(last) ? last : undefined;
}
