// Booking alone, as the front desk does it (issue 19): POST /api/dental/appointments from one, four
// and ten clients at once, every request a distinct free slot (no 409s), with what each booking costs
// the API, the worker, Temporal and PostgreSQL; then the stack is filled to 10,000 booked future
// appointments (each a running workflow waiting for its first reminder) and the worker's memory read.
// Round length: BENCH_BOOKING_SECONDS (default 15); appointments in the end: BENCH_BOOKING_FUTURE (default 10,000).
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { withCost } from '../lib/cost.js';
import type { ResultRow, Scenario } from '../lib/scenario.js';

const SECONDS = Number(process.env.BENCH_BOOKING_SECONDS ?? 15);
const CLIENTS = [1, 4, 10];
const FUTURE_APPOINTMENTS = Number(process.env.BENCH_BOOKING_FUTURE ?? 10_000);
const DENTISTS = 40;
const PATIENTS = 400;
const WARMUP_BOOKINGS = 200;

export const scenario: Scenario = {
  name: 'booking',
  description: `POST /api/dental/appointments from ${CLIENTS.join(', ')} clients (${SECONDS} s each), then up to ${FUTURE_APPOINTMENTS.toLocaleString('en')} booked future appointments`,
  async run(stack, log) {
    const token = await stack.token({ id: 1, role: 'staff' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const dental = stack.urls.dental;
    const create = async (path: string, body: object) => {
      const response = await fetch(`${dental}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, { id: number }>;
    };
    log(`booking: creating ${DENTISTS} dentists and ${PATIENTS} patients`);
    const dentists: number[] = [];
    for (let index = 0; index < DENTISTS; index++) dentists.push((await create('/api/dental/dentists', { first_name: 'Book', last_name: `D${index}`, license_number: `K-${randomUUID()}` })).dentist!.id);
    const patients: number[] = [];
    for (let index = 0; index < PATIENTS; index++) {
      patients.push((await create('/api/dental/patients', { first_name: 'Book', last_name: `P${index}`, email: `b${index}.${randomUUID().slice(0, 6)}@bench.test`, phone: '555 0100' })).patient!.id);
    }

    // Slot i: dentist i mod D at base + ⌊i / D⌋ × 30 min, patient i mod P (P ≥ D keeps patients apart
    // too). A month ahead and later: each workflow waits on a timer for its first reminder.
    const base = Math.ceil((Date.now() + 30 * 86_400_000) / 3_600_000) * 3_600_000;
    let booked = 0;
    const bookings = (connections: number, limit: { duration: number } | { amount: number }) =>
      autocannon({
        url: `${dental}/api/dental/appointments`,
        connections,
        ...limit,
        requests: [
          {
            method: 'POST',
            headers,
            setupRequest: (request) => {
              const index = booked++;
              const body = {
                patient_id: patients[index % PATIENTS],
                dentist_id: dentists[index % DENTISTS],
                appointment_date: new Date(base + Math.floor(index / DENTISTS) * 30 * 60_000).toISOString(),
                duration: 30,
              };
              return { ...request, body: JSON.stringify(body) };
            },
          },
        ],
      });

    // JIT, pools and the workflow cache warm up before anything is counted.
    await bookings(4, { amount: WARMUP_BOOKINGS });
    const rows: ResultRow[] = [];
    for (const clients of CLIENTS) {
      log(`booking: ${clients} client(s) for ${SECONDS} s`);
      const { result, figures } = await withCost(stack, ['dental'], () => bookings(clients, { duration: SECONDS }));
      const errors = result.errors + result.timeouts + result.non2xx;
      const cost = figures(result.requests.total);
      rows.push({
        name: `booking, ${clients} client${clients > 1 ? 's' : ''}`,
        figures: { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors, ...cost },
        target: clients === 1 ? 'p50 ≤ 20 ms; CPU/op: worker ≤ 4, Temporal ≤ 8, API ≤ 2 ms' : '≥ 100/s, 0 errors; CPU/op: worker ≤ 4, Temporal ≤ 8, API ≤ 2 ms',
        met:
          errors === 0 &&
          (clients === 1 ? result.latency.p50 <= 20 : result.requests.average >= 100) &&
          cost.cpu_ms_per_op_worker! <= 4 &&
          cost.cpu_ms_per_op_temporal! <= 8 &&
          cost.cpu_ms_per_op_api! <= 2,
      });
    }

    const remaining = FUTURE_APPOINTMENTS - booked;
    if (remaining <= 0) return rows;
    log(`booking: ${remaining.toLocaleString('en')} more bookings, to ${FUTURE_APPOINTMENTS.toLocaleString('en')} future appointments`);
    const { result, figures } = await withCost(stack, ['dental'], () => bookings(10, { amount: remaining }));
    const errors = result.errors + result.timeouts + result.non2xx;
    const workerRss = stack.rssMiB('worker');
    rows.push({
      name: `${FUTURE_APPOINTMENTS.toLocaleString('en')} future appointments booked (10 clients)`,
      figures: { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors, ...figures(result.requests.total) },
      target: 'worker RSS ≤ 300 MiB, 0 errors',
      met: errors === 0 && workerRss <= 300,
    });
    return rows;
  },
};
