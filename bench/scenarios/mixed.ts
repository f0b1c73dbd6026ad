// A realistic mix on all four services at once, three rounds: logins, browsing media and folders,
// small uploads, bookings and shared downloads. Target (reliability issue): zero errors at p99 <
// 250 ms, and no RSS growth trend across the rounds (each process's RSS after round 3 within 10% of
// after round 1). Round length: BENCH_MIXED_SECONDS (default 60). Without BENCH_MIXED_RATE each stream
// sends as fast as its connections allow (the saturation point); with it, the streams together send
// that many requests per second (split by their connection counts), to find the rate the machine
// sustains within the p99 target.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { SERVICES, type ServiceName } from '../../config/index.js';
import { withCost } from '../lib/cost.js';
import type { ResultRow, Scenario } from '../lib/scenario.js';
import type { BenchStack } from '../lib/stack.js';

const SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 60);
const ROUNDS = 3;
const RATE = process.env.BENCH_MIXED_RATE ? Number(process.env.BENCH_MIXED_RATE) : undefined;

interface Stream {
  name: string;
  connections: number;
  requests: autocannon.Request[];
  url: string;
}

async function prepare(stack: BenchStack): Promise<Stream[]> {
  const { auth, media, cloud, dental } = stack.urls;
  const json = { 'content-type': 'application/json' };
  const account = { username: `mix_${randomUUID().slice(0, 8)}`, email: `mix.${randomUUID().slice(0, 8)}@example.com`, password: 'mixed load password 7' };
  const registered = await fetch(`${auth}/api/auth/register`, { method: 'POST', headers: json, body: JSON.stringify(account) });
  if (registered.status !== 201) throw new Error(`register: ${registered.status}`);

  const user = { authorization: `Bearer ${await stack.token({ id: 5 })}` };
  const staff = { authorization: `Bearer ${await stack.token({ id: 6, role: 'staff' })}`, ...json };
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(256 * 1024).fill(7)]), 'shared.bin');
  const file = ((await (await fetch(`${cloud}/api/cloud/upload`, { method: 'POST', headers: user, body: form })).json()) as { files: Array<{ id: number }> }).files[0]!;
  const link = ((await (await fetch(`${cloud}/api/cloud/share/${file.id}`, { method: 'POST', headers: { ...user, ...json }, body: JSON.stringify({ expires_in: 86_400 }) })).json()) as { shared_link: string }).shared_link;
  const create = async (path: string, body: object) => ((await (await fetch(`${dental}${path}`, { method: 'POST', headers: staff, body: JSON.stringify(body) })).json()) as Record<string, { id: number }>);
  const dentists: number[] = [];
  for (let index = 0; index < 20; index++) dentists.push((await create('/api/dental/dentists', { first_name: 'Mix', last_name: `D${index}`, license_number: `M-${randomUUID()}` })).dentist!.id);
  const patients: number[] = [];
  for (let index = 0; index < 100; index++) patients.push((await create('/api/dental/patients', { first_name: 'Mix', last_name: `P${index}`, email: `mix${index}.${randomUUID().slice(0, 6)}@bench.test`, phone: '555 0100' })).patient!.id);

  const boundary = 'mixed-boundary';
  const upload = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="note.txt"\r\ncontent-type: text/plain\r\n\r\n${'x'.repeat(16 * 1024)}\r\n--${boundary}--\r\n`;
  const base = Date.UTC(2045, 0, 1);
  let booking = 0;
  return [
    { name: 'login', connections: 2, url: auth, requests: [{ method: 'POST', path: '/api/auth/login', headers: json, body: JSON.stringify({ email: account.email, password: account.password }) }] },
    { name: 'browse media', connections: 2, url: media, requests: [{ method: 'GET', path: '/api/media/files?per_page=20', headers: user }] },
    { name: 'browse folders', connections: 2, url: cloud, requests: [{ method: 'GET', path: '/api/cloud/folders', headers: user }] },
    { name: 'upload', connections: 1, url: cloud, requests: [{ method: 'POST', path: '/api/cloud/upload', headers: { ...user, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: upload }] },
    {
      name: 'book',
      connections: 2,
      url: dental,
      requests: [{
        method: 'POST',
        path: '/api/dental/appointments',
        headers: staff,
        setupRequest: (request) => {
          const index = booking++;
          const slot = base + Math.floor(index / dentists.length) * 30 * 60_000;
          return { ...request, body: JSON.stringify({ patient_id: patients[index % patients.length], dentist_id: dentists[index % dentists.length], appointment_date: new Date(slot).toISOString(), duration: 30 }) };
        },
      }],
    },
    { name: 'shared download', connections: 1, url: cloud, requests: [{ method: 'GET', path: `/api/cloud/shared/${link}` }] },
  ];
}

export const scenario: Scenario = {
  name: 'mixed',
  description: `logins, browsing, uploads, bookings and shared downloads on all four services at once, ${ROUNDS} rounds of ${SECONDS} s${RATE ? ` at ${RATE} req/s` : ''}`,
  async run(stack, log) {
    const streams = await prepare(stack);
    const totalConnections = streams.reduce((sum, stream) => sum + stream.connections, 0);
    const parts: Array<ServiceName | 'worker'> = [...SERVICES, 'worker'];
    const rssBefore = Object.fromEntries(parts.map((part) => [part, stack.rssMiB(part)]));
    const rssAfter: Array<Record<string, number>> = [];
    const rows: ResultRow[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      log(`mixed: round ${round} of ${ROUNDS}`);
      const { result: results, figures: cost } = await withCost(stack, SERVICES, () => Promise.all(
        streams.map((stream) =>
          autocannon({
            url: stream.url,
            connections: stream.connections,
            duration: SECONDS,
            requests: stream.requests,
            ...(RATE && { overallRate: Math.max(1, Math.round((RATE * stream.connections) / totalConnections)) }),
          }),
        ),
      ));
      rssAfter.push(Object.fromEntries(parts.map((part) => [part, stack.rssMiB(part)])));
      const requests = results.reduce((sum, result) => sum + result.requests.total, 0);
      const errors = results.reduce((sum, result) => sum + result.errors + result.timeouts + result.non2xx, 0);
      const p99 = Math.max(...results.map((result) => result.latency.p99));
      rows.push({
        name: `mixed round ${round}${RATE ? ` at ${RATE} req/s offered` : ' (saturated)'}`,
        figures: {
          requestsPerSecond: Math.round(requests / SECONDS),
          errors,
          worstP99Ms: p99,
          ...Object.fromEntries(streams.map((stream, index) => [`${stream.name} p99Ms`, results[index]!.latency.p99])),
          ...Object.fromEntries(parts.map((part) => [`${part}RssMiB`, rssAfter.at(-1)![part]!])),
          // Per request of any kind, the four APIs together: the mix's cost, to compare round by round.
          ...cost(requests),
        },
        target: '0 errors, every stream p99 < 250 ms',
        met: errors === 0 && p99 < 250,
      });
    }
    const growth = Math.max(...parts.map((part) => rssAfter[2]![part]! / rssAfter[0]![part]!));
    rows.push({
      name: 'mixed RSS trend, round 3 vs round 1 (and each process before round 1)',
      figures: { worstGrowthPercent: Math.round((growth - 1) * 100), ...Object.fromEntries(parts.map((part) => [`${part}RssMiB`, rssBefore[part]!])) },
      target: '< 10% growth in every process',
      met: growth < 1.1,
    });
    return rows;
  },
};
