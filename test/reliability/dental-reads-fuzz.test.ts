// Property: whatever the dental API accepts, every dental read route can answer. Seeded practices
// are written through the API with values across and beyond the accepted ranges (the largest amount,
// a cent, the oldest and newest dates, a hundred and fifty charges of the largest amount, credit and
// debt; what the API refuses is left out), then every GET route of the dental OpenAPI document is
// called for them: each answers 200, never a 5xx, and the ledger's balance is the exact sum.
// FUZZ_SEED=<seed> replays a failure.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { futureSlot } from '../dental/support.js';
import { getServices } from './services.js';

const test = suite('dental reads after accepted data');
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const RUNS = 16;
/** The largest amount the dental API accepts, and the most its amount format has digits for. */
const LIMIT_CENTS = 100_000_000;
const TEN_DIGITS_CENTS = 999_999_999_999;
const asSentText = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/**
 * Amounts in every form the API reads ("12.50", "12", the JSON number 12.5), from the smallest to
 * beyond the limit: whatever is refused (422) is left out, whatever is accepted must be readable.
 */
const money = (minCents: number) =>
  fc
    .oneof(
      fc.constantFrom(TEN_DIGITS_CENTS, LIMIT_CENTS + 1, LIMIT_CENTS, LIMIT_CENTS - 1, minCents),
      fc.integer({ min: minCents, max: LIMIT_CENTS }),
      fc.integer({ min: minCents, max: TEN_DIGITS_CENTS }),
    )
    .chain((cents) =>
      fc.constantFrom(
        { cents, sent: asSentText(cents) as string | number },
        { cents, sent: cents / 100 },
        { cents: cents - (cents % 100), sent: String(Math.floor(cents / 100)) },
      ),
    )
    .filter(({ cents }) => cents >= minCents);
/** Treatment dates across what the API accepts (1900–2199), as a day or as the Flask system's date and time. */
const calendarDay = fc.oneof(
  fc.constantFrom('1900-01-01', '2199-12-31', '2199-12-31T23:59:59', undefined),
  fc
    .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true })
    .chain((date) => fc.constantFrom(date.toISOString().slice(0, 10), date.toISOString().slice(0, 19))),
);
interface Charge {
  cost: { cents: number; sent: string | number };
  treatment_date: string | undefined;
  tooth_number: string | number | undefined;
}
const charge: fc.Arbitrary<Charge> = fc.record({ cost: money(0), treatment_date: calendarDay, tooth_number: fc.option(fc.constantFrom<string | number>(1, '32', 'a', 'T'), { nil: undefined }) });
/** A hundred and fifty charges of the largest amount tried. */
const manyLargestCharges = fc
  .constantFrom(TEN_DIGITS_CENTS, LIMIT_CENTS)
  .map((cents): Charge[] => Array<Charge>(150).fill({ cost: { cents, sent: asSentText(cents) }, treatment_date: undefined, tooth_number: undefined }));
const patientPlan = fc.record({
  charges: fc.oneof({ weight: 5, arbitrary: fc.array(charge, { maxLength: 20 }) }, { weight: 1, arbitrary: manyLargestCharges }),
  payments: fc.array(fc.record({ amount: money(1), method: fc.constantFrom('cash', 'card', 'insurance', 'transfer'), forCharge: fc.option(fc.nat(), { nil: null }) }), { maxLength: 8 }),
});
const practicePlan = fc.record({
  patients: fc.array(patientPlan, { minLength: 1, maxLength: 3 }),
  treatAtAppointment: fc.boolean(),
  cancelAppointment: fc.boolean(),
});

test(`every dental read route answers whatever the API accepted (seed ${SEED}, ${RUNS} practices)`, async () => {
  const services = await getServices();
  const token = services.callers.staff.token;
  const dental = (method: string, path: string, json?: unknown) => services.request('dental', method, path, { token, json });
  const written = async (method: string, path: string, json: unknown) => (await attempted(method, path, json))!;
  /** The created body, or null when the API refused the amount `refusable` names (422 on that field). */
  const attempted = async (method: string, path: string, json: unknown, refusable?: string) => {
    const answer = await dental(method, path, json);
    if (answer.status === 201) return answer.body;
    if (refusable && answer.status === 422 && answer.body?.details?.fields?.[refusable]) return null;
    throw new Error(`${method} ${path} ${JSON.stringify(json)} → ${answer.status} ${answer.text.slice(0, 300)}`);
  };
  type Operation = { security?: unknown[]; parameters?: Array<{ name: string; in: string; required?: boolean }> };
  const readRoutes = Object.entries<Record<string, Operation>>((await dental('GET', '/api/openapi.json')).body.paths)
    .filter(([path, operations]) => path.startsWith('/api/dental/') && 'get' in operations)
    // Staff's reads: the public pages a patient reaches through a signed link hold no data of a practice.
    .filter(([, operations]) => operations.get!.security?.length !== 0)
    .map(([path, operations]) => {
      const query = (operations.get!.parameters ?? []).filter((p) => p.in === 'query');
      return { path, query: query.map((p) => p.name), needsQuery: query.some((p) => p.required) };
    });
  assert.ok(readRoutes.length >= 8, `dental read routes found: ${readRoutes.map((route) => route.path).join(', ')}`);

  const result = await fc.check(
    fc.asyncProperty(practicePlan, async (plan) => {
      const tag = Math.random().toString(36).slice(2, 10);
      const dentist = (await written('POST', '/api/dental/dentists', { first_name: 'Fuzz', last_name: `Dentist${tag}`, license_number: `FUZZ-${tag}` })).dentist;
      const ids: Record<string, number> = { dentist: dentist.id };
      for (const [index, patientPlan] of plan.patients.entries()) {
        const patient = (await written('POST', '/api/dental/patients', { first_name: 'Fuzz', last_name: `Patient${tag}`, email: `fuzz.${tag}.${index}@example.com`, phone: '+1 555 0100' })).patient;
        ids.patient ??= patient.id;
        let appointmentId: number | undefined;
        if (index === 0) {
          const booked = await written('POST', '/api/dental/appointments', { patient_id: patient.id, dentist_id: dentist.id, appointment_date: futureSlot(9) });
          appointmentId = ids.appointment = booked.appointment.id;
        }
        const treatmentIds: number[] = [];
        let owedCents = 0n;
        for (const item of patientPlan.charges) {
          const body = { patient_id: patient.id, name: 'Fuzzed treatment', cost: item.cost.sent, treatment_date: item.treatment_date, tooth_number: item.tooth_number };
          const created = await attempted('POST', '/api/dental/treatments', { ...body, appointment_id: plan.treatAtAppointment ? appointmentId : undefined }, 'cost');
          if (!created) continue;
          const treatment = created.treatment;
          treatmentIds.push(treatment.id);
          ids.treatment ??= treatment.id;
          owedCents += BigInt(item.cost.cents);
        }
        for (const payment of patientPlan.payments) {
          const treatmentId = payment.forCharge === null || !treatmentIds.length ? null : treatmentIds[payment.forCharge % treatmentIds.length]!;
          const paid = await attempted('POST', '/api/dental/payments', { patient_id: patient.id, treatment_id: treatmentId, amount: payment.amount.sent, method: payment.method }, 'amount');
          if (paid) owedCents -= BigInt(payment.amount.cents);
        }
        const ledger = await dental('GET', `/api/dental/patient/${patient.id}/ledger`);
        const sign = owedCents < 0n ? '-' : '';
        const abs = owedCents < 0n ? -owedCents : owedCents;
        assert.is(ledger.body?.balance, `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`, `exact balance: ${ledger.status} ${ledger.text.slice(0, 200)}`);
      }
      if (plan.cancelAppointment) assert.is((await dental('DELETE', `/api/dental/appointment/${ids.appointment}`)).status, 200);

      const known: Record<string, string> = {
        patient_id: String(ids.patient),
        dentist_id: String(ids.dentist),
        search: `Patient${tag}`,
        date_from: '0001-01-01',
        date_to: '9999-12-31',
      };
      for (const route of readRoutes) {
        const path = route.path.replace(/\/(\w+)\/\{(\w+)\}/g, (_, owner: string) => {
          if (ids[owner] === undefined) throw new Error(`${route.path}: this test does not know which id to give it; add it to the plan`);
          return `/${owner}/${ids[owner]}`;
        });
        const query = new URLSearchParams(route.query.filter((name) => name in known).map((name): [string, string] => [name, known[name]!]));
        for (const target of route.needsQuery ? [`${path}?${query}`] : [path, `${path}?${query}`]) {
          const answer = await dental('GET', target);
          assert.is(answer.status, 200, `GET ${target} → ${answer.status} ${answer.text.slice(0, 300)}`);
        }
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  if (result.failed) {
    const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    assert.unreachable(`seed ${SEED}, run ${result.numRuns} (FUZZ_SEED=${SEED} replays it): ${why.slice(0, 1500)}`);
  }
});

test.run();
