import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call, tokenFor } from '../support/http.js';
import { dentalApp, newDentist, newPatient, staffToken } from './support.js';

const patients = suite('patients and dentists');

patients('only staff and admins may use the dental API', async () => {
  const app = await dentalApp();
  assert.is((await call(app, 'GET', '/api/dental/patients')).status, 401);
  assert.is((await call(app, 'GET', '/api/dental/patients', { token: await tokenFor({ id: 5, role: 'user' }) })).status, 403);
  assert.is((await call(app, 'GET', '/api/dental/patients', { token: await tokenFor({ id: 5, role: 'admin' }) })).status, 200);
});

patients('patients are created, validated, found and deactivated, never duplicated by email', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token, { date_of_birth: '1980-02-29', allergies: 'penicillin' });
  const again = await call(app, 'POST', '/api/dental/patients', {
    token,
    json: { first_name: 'A', last_name: 'B', email: patient.email.toUpperCase(), phone: '123456' },
  });
  assert.equal([again.status, again.body.details.field], [409, 'email']);
  const bad = await call(app, 'POST', '/api/dental/patients', {
    token,
    json: { first_name: '', last_name: 'B', email: 'nope', phone: 'x', date_of_birth: '2023-02-30' },
  });
  assert.is(bad.status, 422);
  assert.equal(Object.keys(bad.body.details.fields).sort(), ['date_of_birth', 'email', 'first_name', 'phone']);

  const found = await call(app, 'GET', `/api/dental/patients?search=${encodeURIComponent(patient.email.slice(0, 12))}`, { token });
  assert.equal(found.body.patients.map((p: { id: number }) => p.id), [patient.id]);
  assert.is(found.body.total, 1);
  const off = await call(app, 'PUT', `/api/dental/patient/${patient.id}`, { token, json: { is_active: false } });
  assert.is(off.body.patient.is_active, false);
  const active = await call(app, 'GET', `/api/dental/patients?active_only=true&search=${encodeURIComponent(patient.email)}`, { token });
  assert.is(active.body.total, 0);
  assert.is((await call(app, 'GET', '/api/dental/patient/999999999', { token })).status, 404);
});

patients('names are kept in NFC, so a name typed with combining accents is found however it is searched', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const unique = `Zoë${Date.now()}`;
  const patient = await newPatient(app, token, { last_name: unique.normalize('NFD') });
  assert.is(patient.last_name, unique.normalize('NFC'));
  for (const typed of [unique.normalize('NFC'), unique.normalize('NFD')]) {
    const found = await call(app, 'GET', `/api/dental/patients?search=${encodeURIComponent(typed)}`, { token });
    assert.equal(found.body.patients.map((p: { id: number }) => p.id), [patient.id], JSON.stringify(typed));
  }
});

patients('dentists have unique license numbers and optional working hours', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const dentist = await newDentist(app, token, { working_hours: { mon: [['09:00', '17:00']] } });
  const read = await call(app, 'GET', `/api/dental/dentist/${dentist.id}`, { token });
  assert.equal(read.body.dentist.working_hours, { mon: [['09:00', '17:00']] });
  const badHours = await call(app, 'POST', '/api/dental/dentists', {
    token,
    json: { first_name: 'A', last_name: 'B', license_number: 'X-1', working_hours: { mon: [['17:00', '09:00']], funday: [] } },
  });
  assert.is(badHours.status, 422);
  const license = (read.body.dentist as { license_number: string }).license_number;
  const duplicate = await call(app, 'POST', '/api/dental/dentists', { token, json: { first_name: 'A', last_name: 'B', license_number: license.toLowerCase() } });
  assert.is(duplicate.status, 409);
});

patients.run();
