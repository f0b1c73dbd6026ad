import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'slonik';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { insertTreatment } from '../../db/dental/billing.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken, startingIn, waitUntilPast } from './support.js';

const billing = suite('treatments, payments, ledger and stats');

billing('payments settle treatments exactly and the ledger keeps a running balance', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const filling = await call(app, 'POST', '/api/dental/treatments', {
    token,
    json: { patient_id: patient.id, name: 'Filling', tooth_number: 14, treatment_date: '2026-01-10', cost: '0.10' },
  });
  assert.is(filling.status, 201, filling.text);
  assert.equal([filling.body.treatment.cost, filling.body.treatment.payment_status, filling.body.treatment.tooth_number], [0.1, 'unpaid', '14']);
  const crown = await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'Crown', tooth_number: 'b', treatment_date: '2026-01-11', cost: 0.2 } });
  assert.equal([crown.body.treatment.cost, crown.body.treatment.tooth_number], [0.2, 'B']);

  const pay = (json: Record<string, unknown>) => call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, method: 'card', ...json } });
  assert.is((await pay({ treatment_id: filling.body.treatment.id, amount: '0.05' })).status, 201);
  let treatments = (await call(app, 'GET', `/api/dental/treatments?patient_id=${patient.id}`, { token })).body.treatments;
  assert.is(treatments.find((t: { name: string }) => t.name === 'Filling').payment_status, 'partial');
  assert.is((await pay({ treatment_id: filling.body.treatment.id, amount: 0.05 })).status, 201);
  treatments = (await call(app, 'GET', `/api/dental/treatments?patient_id=${patient.id}`, { token })).body.treatments;
  assert.is(treatments.find((t: { name: string }) => t.name === 'Filling').payment_status, 'paid', '0.05 + 0.05 is exactly 0.10');

  const ledger = await call(app, 'GET', `/api/dental/patient/${patient.id}/ledger`, { token });
  assert.equal(ledger.body.entries.map((entry: { kind: string; amount: string; balance: string }) => [entry.kind, entry.amount, entry.balance]), [
    ['charge', '0.10', '0.10'],
    ['charge', '0.20', '0.30'],
    ['payment', '0.05', '0.25'],
    ['payment', '0.05', '0.20'],
  ]);
  assert.is(ledger.body.balance, '0.20');
});

billing('two payments at once both count; a new cost re-derives the status; treatments page', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const treat = async (name: string, cost: string) =>
    (await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name, cost } })).body.treatment as { id: number };
  const implant = await treat('Implant', '100.00');
  const halves = await Promise.all([1, 2].map(() => call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, treatment_id: implant.id, amount: '50', method: 'card' } })));
  assert.equal(halves.map((answer) => answer.status), [201, 201]);
  const statusOf = async () => (await call(app, 'GET', `/api/dental/treatments?patient_id=${patient.id}`, { token })).body.treatments.find((t: { id: number }) => t.id === implant.id).payment_status;
  assert.is(await statusOf(), 'paid', 'each payment saw the other');
  const dearer = await call(app, 'PUT', `/api/dental/treatment/${implant.id}`, { token, json: { cost: '150.00' } });
  assert.equal([dearer.body.treatment.cost, dearer.body.treatment.payment_status], [150, 'partial']);

  await treat('Check', '10');
  await treat('Polish', '20');
  const page = (await call(app, 'GET', `/api/dental/treatments?patient_id=${patient.id}&per_page=2&page=2`, { token })).body;
  assert.equal([page.treatments.length, page.total, page.page, page.per_page, page.pages], [1, 3, 2, 2, 2]);
  const other = await newPatient(app, token);
  const theirs = await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: other.id, treatment_id: implant.id, amount: '5', method: 'cash' } });
  assert.equal([theirs.status, Object.keys(theirs.body.details?.fields ?? {})], [422, ['treatment_id']]);
});

billing('bad money, teeth and references are 422', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const treat = (json: Record<string, unknown>) => call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'X', cost: '10', ...json } });
  for (const json of [{ cost: '1.005' }, { cost: -5 }, { cost: '1e3' }, { tooth_number: 33 }, { tooth_number: 'U' }, { patient_id: 999999999 }, { treatment_date: '2026-02-30' }]) {
    assert.is((await treat(json)).status, 422, JSON.stringify(json));
  }
  const everyFault = await treat({ cost: -5, tooth_number: 33, treatment_date: '2026-02-30' });
  assert.equal(Object.keys(everyFault.body.details?.fields ?? {}).sort(), ['cost', 'tooth_number', 'treatment_date'], 'one 422 lists every bad field');
  const treatment = (await treat({})).body.treatment;
  assert.is((await call(app, 'PUT', `/api/dental/treatment/${treatment.id}`, { token, json: { treatment_date: '2026-13-01' } })).status, 422);
  const other = await newPatient(app, token);
  const theirs = (await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: other.id, name: 'Y', cost: '5' } })).body.treatment;
  const wrongPatient = await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, treatment_id: theirs.id, amount: '5', method: 'cash' } });
  assert.is(wrongPatient.status, 422);
  assert.is((await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, amount: '0', method: 'cash' } })).status, 422);
  assert.is((await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, amount: '5', method: 'bitcoin' } })).status, 422);
});

billing('stats come back in one answer with exact money', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const before = (await call(app, 'GET', '/api/dental/stats', { token })).body.stats;
  const patient = await newPatient(app, token);
  await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'Cleaning', cost: '80.00' } });
  await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, amount: '30.50', method: 'cash' } });
  const after = (await call(app, 'GET', '/api/dental/stats', { token })).body.stats;
  assert.is(after.patients_total, before.patients_total + 1);
  const cents = (value: string) => Math.round(Number(value) * 100);
  assert.is(cents(after.revenue_this_month) - cents(before.revenue_this_month), 3050);
  assert.is(cents(after.outstanding_balance) - cents(before.outstanding_balance), 4950);

  // Money paid ahead by one patient is their credit, not a discount on what others owe.
  const ahead = await newPatient(app, token);
  await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: ahead.id, amount: '25.00', method: 'cash' } });
  const withCredit = (await call(app, 'GET', '/api/dental/stats', { token })).body.stats;
  assert.is(withCredit.outstanding_balance, after.outstanding_balance);
  assert.match(after.revenue_this_month, /^\d+\.\d{2}$/);
  assert.type(after.appointments_by_status, 'object');
});

billing('every money field states its limit: 1000000.00 is accepted, a cent more is 422 saying so', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const limitOf = (answer: { status: number; body: any }, field: string) => [answer.status, answer.body.details?.fields?.[field]?.join(' ')];
  const tooDear = await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'Crown', cost: 9999999999.99 } });
  assert.equal(limitOf(tooDear, 'cost'), [422, 'cost must be at most 1000000.00']);
  assert.is((await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'Crown', cost: '1000000.01' } })).status, 422);
  const dearest = await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'Crown', cost: '1000000.00' } });
  assert.equal([dearest.status, dearest.body.treatment?.cost], [201, 1000000]);
  const raised = await call(app, 'PUT', `/api/dental/treatment/${dearest.body.treatment.id}`, { token, json: { cost: 1000000.01 } });
  assert.equal(limitOf(raised, 'cost'), [422, 'cost must be at most 1000000.00']);
  const pay = (amount: unknown) => call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, amount, method: 'transfer' } });
  assert.equal(limitOf(await pay('1000000.01'), 'amount'), [422, 'amount must be at most 1000000.00']);
  assert.is((await pay(1000000)).status, 201);
  const ledger = await call(app, 'GET', `/api/dental/patient/${patient.id}/ledger`, { token });
  assert.equal([ledger.status, ledger.body.balance], [200, '0.00'], 'nothing refused was written');
});

billing('amounts stored before the limit existed still add up: the ledger and stats never overflow', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const { pools } = await getStack();
  // The largest amount the API used to accept (numeric(12,2)'s own maximum), three times over.
  await pools.dental.query(sql.unsafe`
    insert into treatments (patient_id, name, treatment_date, cost)
    select ${patient.id}, 'Imported charge ' || n, date '2020-01-01' + n, 9999999999.99 from generate_series(1, 3) n`);
  await pools.dental.query(sql.unsafe`insert into payments (patient_id, amount, method, paid_at) values (${patient.id}, 9999999999.99, 'transfer', now())`);
  const ledger = await call(app, 'GET', `/api/dental/patient/${patient.id}/ledger`, { token });
  assert.is(ledger.status, 200, ledger.text);
  assert.equal(ledger.body.entries.map((entry: { balance: string }) => entry.balance), ['9999999999.99', '19999999999.98', '29999999999.97', '19999999999.98']);
  assert.is(ledger.body.balance, '19999999999.98');
  const stats = await call(app, 'GET', '/api/dental/stats', { token });
  assert.is(stats.status, 200, stats.text);
  assert.match(stats.body.stats.outstanding_balance, /^\d{11,}\.\d{2}$/);
  assert.match(stats.body.stats.revenue_this_month, /^\d{10,}\.\d{2}$/);
});

billing("treatments are recorded only against the patient's own appointments that were not cancelled or missed", async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const [patient, other, dentist] = [await newPatient(app, token), await newPatient(app, token), await newDentist(app, token)];
  const book = async (patient_id: number, appointment_date: string) =>
    (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id, dentist_id: dentist.id, appointment_date } })).body.appointment as { id: number; appointment_date: string };
  const treat = (appointment_id: number, extra: Record<string, unknown> = {}) =>
    call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, appointment_id, name: 'Filling', cost: 250, ...extra } });

  // As the Flask system's own seed does: a treatment dated in the past, against a confirmed appointment a year ahead.
  const ahead = await book(patient.id, futureSlot(9));
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${ahead.id}`, { token, json: { status: 'confirmed' } })).status, 200);
  const recorded = await treat(ahead.id, { treatment_date: '2024-12-01' });
  assert.equal([recorded.status, recorded.body.treatment?.appointment_id], [201, ahead.id], recorded.text);

  const theirs = await book(other.id, futureSlot(10));
  const notTheirs = await treat(theirs.id);
  assert.equal([notTheirs.status, Object.keys(notTheirs.body.details?.fields ?? {})], [422, ['appointment_id']]);

  const cancelled = await book(patient.id, futureSlot(11));
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${cancelled.id}`, { token })).status, 200);
  const atCancelled = await treat(cancelled.id);
  assert.equal([atCancelled.status, atCancelled.body.error], [409, 'appointment_not_held'], atCancelled.text);
  assert.match(atCancelled.body.message, 'was cancelled');

  const missed = await book(patient.id, await startingIn(2));
  await waitUntilPast(missed.appointment_date);
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${missed.id}`, { token, json: { status: 'no_show' } })).status, 200);
  const atMissed = await treat(missed.id);
  assert.equal([atMissed.status, atMissed.body.error], [409, 'appointment_not_held'], atMissed.text);
  assert.match(atMissed.body.message, 'was a no-show');

  // The database holds the rule itself, for a cancellation that lands between the check and the write.
  const { pools } = await getStack();
  assert.is(await insertTreatment(pools.dental, { patientId: patient.id, appointmentId: cancelled.id, name: 'Filling', cost: '250', treatmentDate: '2026-12-01T10:00:00' }), null);
  assert.is(await insertTreatment(pools.dental, { patientId: other.id, appointmentId: ahead.id, name: 'Filling', cost: '250', treatmentDate: '2026-12-01T10:00:00' }), null);
  const listed = (await call(app, 'GET', `/api/dental/treatments?patient_id=${patient.id}`, { token })).body.treatments;
  assert.equal(listed.map((treatment: { appointment_id: number }) => treatment.appointment_id), [ahead.id], 'only the allowed treatment was written');
});

billing.run();
