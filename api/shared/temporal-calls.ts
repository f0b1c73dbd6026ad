// Every Temporal call made while an HTTP request waits is bounded: with no worker polling an Update
// would wait forever, and with Temporal down the client would retry. Past the deadline, or when
// Temporal is unreachable, the caller gets a 503 saying what did not happen.
import type { Client } from '@temporalio/client';
import { isDependencyDown, serviceUnavailable } from './errors.js';

export function isTemporalUnavailable(error: unknown): boolean {
  return isDependencyDown(error) || /deadline|DEADLINE_EXCEEDED|UNAVAILABLE|timed? ?out/i.test(String((error as Error)?.message ?? ''));
}

export async function withinDeadline<T>(client: Client, timeoutMs: number, whenUnavailable: string, call: () => Promise<T>): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, call);
  } catch (error) {
    if (isTemporalUnavailable(error)) throw serviceUnavailable(whenUnavailable, { headers: { 'retry-after': '5' } });
    throw error;
  }
}
