// The dental API as the Flask system's clients use it: their field names accepted beside Qhitz's, the
// names they read formed as they were ("Jane Doe", "Dr. Sam Smith"), treatments dated with a time of
// day, the patient's page with what comes next and what was done, and the Flask stats keys.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatInZone } from '../../core/dental/time.js';
import { call } from '../support/http.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken } from './support.js';

const flask = suite('dental: the Flask system’s names and keys');

flask('patients take the Flask field names and answer under both names, with full_name', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const id = randomUUID().slice(0, 8);
  const created = await call(app, 'POST', '/api/dental/patients', {
    token,
    json: {
      first_name: 'John', last_name: `Doe${id}`, email: `john.${id}@example.com`, phone: '555-0100',
      street_address: '123 Main St', city: 'Springfield', state: 'IL', zip_code: '62701', country: 'US',
      emergency_contact: 'Mary Doe', emergency_phone: '555-0199', insurance_number: 'INS-1',
    },
  });
  assert.is(created.status, 201, created.text);
  const patient = created.body.patient;
  assert.is(patient.full_name, `John Doe${id}`);
  assert.equal([patient.address, patient.street_address], ['123 Main St', '123 Main St']);
  assert.equal([patient.postal_code, patient.zip_code, patient.state, patient.country], ['62701', '62701', 'IL', 'US']);
  assert.equal([patient.emergency_contact_name, patient.emergency_contact], ['Mary Doe', 'Mary Doe']);
  assert.equal([patient.emergency_contact_phone, patient.emergency_phone], ['555-0199', '555-0199']);
  assert.is(patient.document_count, 0);

  // A null under the Flask name clears the field; Qhitz's name keeps working beside it.
  const cleared = await call(app, 'PUT', `/api/dental/patient/${patient.id}`, { token, json: { street_address: null, postal_code: '60601' } });
  assert.equal([cleared.body.patient.address, cleared.body.patient.street_address, cleared.body.patient.zip_code], [null, null, '60601']);
  const same = await call(app, 'PUT', `/api/dental/patient/${patient.id}`, { token, json: { address: '1 Elm St', street_address: '1 Elm St' } });
  assert.is(same.body.patient.address, '1 Elm St');
  const clash = await call(app, 'PUT', `/api/dental/patient/${patient.id}`, { token, json: { address: '1 Elm St', street_address: '2 Oak St' } });
  assert.is(clash.status, 422);
  assert.equal(Object.keys(clash.body.details.fields), ['street_address']);

  const listed = await call(app, 'GET', `/api/dental/patients?search=Doe${id}`, { token });
  assert.equal([listed.body.patients[0].full_name, listed.body.patients[0].document_count], [`John Doe${id}`, 0]);
});

flask('appointments name their patient and dentist wherever they are shown', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const [first, second] = [await newDentist(app, token, { first_name: 'Ana', last_name: 'Molar' }), await newDentist(app, token, { first_name: 'Ben', last_name: 'Crown' })];
  const dentist = await call(app, 'GET', `/api/dental/dentist/${first.id}`, { token });
  assert.is(dentist.body.dentist.full_name, 'Dr. Ana Molar');
  const patientName = `Jane ${(await call(app, 'GET', `/api/dental/patient/${patient.id}`, { token })).body.patient.last_name}`;

  const booked = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: first.id, appointment_date: futureSlot(9) } });
  assert.is(booked.status, 201, booked.text);
  const id = booked.body.appointment.id;
  assert.equal([booked.body.appointment.patient_name, booked.body.appointment.dentist_name], [patientName, 'Dr. Ana Molar']);
  const one = await call(app, 'GET', `/api/dental/appointment/${id}`, { token });
  assert.equal([one.body.appointment.patient_name, one.body.appointment.dentist_name], [patientName, 'Dr. Ana Molar']);
  const listed = await call(app, 'GET', `/api/dental/appointments?patient_id=${patient.id}`, { token });
  assert.equal(listed.body.appointments.map((a: { dentist_name: string }) => a.dentist_name), ['Dr. Ana Molar']);
  const moved = await call(app, 'PUT', `/api/dental/appointment/${id}`, { token, json: { dentist_id: second.id, status: 'confirmed' } });
  assert.is(moved.status, 200, moved.text);
  assert.equal([moved.body.appointment.status, moved.body.appointment.dentist_name], ['confirmed', 'Dr. Ben Crown'], 'the new dentist, not the one before');

  const page = await call(app, 'GET', `/api/dental/patient/${patient.id}`, { token });
  assert.equal(page.body.upcoming_appointments.map((a: { id: number; dentist_name: string }) => [a.id, a.dentist_name]), [[id, 'Dr. Ben Crown']]);
  const cancelled = await call(app, 'DELETE', `/api/dental/appointment/${id}`, { token });
  assert.equal([cancelled.body.appointment.status, cancelled.body.appointment.patient_name], ['cancelled', patientName]);
  assert.equal((await call(app, 'GET', `/api/dental/patient/${patient.id}`, { token })).body.upcoming_appointments, [], 'a cancelled appointment is not upcoming');
});

flask('treatments take treatment_name and a time of day, and are listed with both names', async () => {
  const app = await dentalApp({ PRACTICE_TIME_ZONE: 'Europe/Berlin' });
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const record = (json: Record<string, unknown>) => call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, cost: 250, ...json } });

  const seed = await record({ treatment_name: 'Cavity Filling', description: 'Filled cavity on tooth #14', tooth_number: '14', treatment_date: '2024-12-01T14:00:00', payment_status: 'paid', notes: 'Patient anxious' });
  assert.is(seed.status, 201, seed.text);
  const treatment = seed.body.treatment;
  assert.equal([treatment.treatment_name, treatment.name, treatment.cost, treatment.notes], ['Cavity Filling', 'Cavity Filling', 250, 'Patient anxious']);
  assert.is(treatment.treatment_date, '2024-12-01T14:00:00+01:00', 'read and shown in the practice’s zone');
  assert.match(treatment.patient_name, /^Jane Doe/);

  const dateOnly = await record({ name: 'Cleaning', treatment_date: '2024-11-30' });
  assert.is(dateOnly.body.treatment.treatment_date, '2024-11-30T00:00:00+01:00');
  const withOffset = await record({ name: 'X-ray', treatment_date: '2024-07-01T08:00:00Z' });
  assert.is(withOffset.body.treatment.treatment_date, '2024-07-01T10:00:00+02:00', 'an offset is honoured, then shown in practice time');

  const listed = (await call(app, 'GET', `/api/dental/treatments?patient_id=${patient.id}`, { token })).body.treatments;
  assert.equal(listed.map((t: { treatment_name: string }) => t.treatment_name), ['Cavity Filling', 'Cleaning', 'X-ray']);
  const page = await call(app, 'GET', `/api/dental/patient/${patient.id}`, { token });
  assert.equal(page.body.recent_treatments.map((t: { id: number }) => t.id), listed.map((t: { id: number }) => t.id));

  const renamed = await call(app, 'PUT', `/api/dental/treatment/${treatment.id}`, { token, json: { treatment_name: 'Composite Filling', treatment_date: '2024-12-02T09:30' } });
  assert.equal([renamed.body.treatment.name, renamed.body.treatment.treatment_date], ['Composite Filling', '2024-12-02T09:30:00+01:00']);

  for (const json of [{}, { name: 'A', treatment_name: 'B' }, { name: 'A', treatment_date: '2024-12-01T25:00:00' }, { name: 'A', treatment_date: '0000-01-01' }, { name: 'A', treatment_date: '2024-03-31T02:30:00' }]) {
    const refused = await record(json);
    assert.is(refused.status, 422, `${JSON.stringify(json)}: ${refused.text}`);
  }
});

flask('the ledger places a treatment’s time of day in the practice’s zone among the payments', async () => {
  const zone = 'Pacific/Kiritimati'; // UTC+14: its wall-clock time read as UTC would lie 14 hours ahead
  const app = await dentalApp({ PRACTICE_TIME_ZONE: zone });
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const anHourAgo = Date.now() - 3_600_000;
  const treated = await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'Scaling', cost: 40, treatment_date: formatInZone(anHourAgo, zone).slice(0, 19) } });
  assert.is(treated.status, 201, treated.text);
  await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, amount: '40', method: 'cash' } });
  const ledger = (await call(app, 'GET', `/api/dental/patient/${patient.id}/ledger`, { token })).body;
  assert.equal(ledger.entries.map((entry: { kind: string; balance: string }) => [entry.kind, entry.balance]), [['charge', '40.00'], ['payment', '0.00']]);
  assert.ok(Math.abs(Date.parse(ledger.entries[0].date) - anHourAgo) < 2000, ledger.entries[0].date);
});

flask('stats answer the Flask keys at the top level with real counts', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const before = (await call(app, 'GET', '/api/dental/stats', { token })).body;
  const patient = await newPatient(app, token);
  await newDentist(app, token);
  await call(app, 'POST', '/api/dental/treatments', { token, json: { patient_id: patient.id, name: 'Crown', cost: '120.50' } });
  await call(app, 'POST', '/api/dental/payments', { token, json: { patient_id: patient.id, amount: '20.25', method: 'card' } });
  const after = (await call(app, 'GET', '/api/dental/stats', { token })).body;
  assert.is(after.total_patients, before.total_patients + 1);
  assert.is(after.total_dentists, before.total_dentists + 1);
  assert.is(Math.round((after.total_revenue - before.total_revenue) * 100), 2025);
  assert.is(Math.round((after.pending_revenue - before.pending_revenue) * 100), 10025);
  assert.is(after.total_scanned_documents, 0);
  assert.equal([after.appointments_today, after.upcoming_appointments], [after.stats.appointments_today, after.stats.appointments_upcoming]);
  assert.is(after.total_patients, after.stats.patients_active);
});

flask.run();
