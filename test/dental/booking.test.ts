import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalActivities } from '../../activities/dental.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken, startingIn, waitUntilPast } from './support.js';

const booking = suite('booking through the appointment workflow');

booking('a booking answers 201 with the appointment and its workflow', async () => {
  const app = await dentalApp({ PRACTICE_TIME_ZONE: 'Europe/Berlin' });
  const token = await staffToken();
  const [patient, dentist] = [await newPatient(app, token), await newDentist(app, token)];
  const response = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: '2031-12-15T10:00', duration: 45, appointment_type: 'checkup', user_id: 1 },
  });
  assert.is(response.status, 201, response.text);
  const { appointment, workflow_id } = response.body;
  assert.is(workflow_id, `appointment-${appointment.id}`);
  assert.is(appointment.appointment_date, '2031-12-15T10:00:00+01:00', 'read and shown in the practice time zone');
  assert.is(appointment.ends_at, '2031-12-15T10:45:00+01:00');
  assert.is(appointment.status, 'scheduled');
  const { temporal } = await getStack();
  const description = await temporal.workflow.getHandle(workflow_id).describe();
  // Ids and the practice's time, no names: the summary is stored with the workflow, readable to operations staff.
  assert.is(await description.staticSummary(), `Appointment ${appointment.id}: patient ${patient.id}, dentist ${dentist.id}, 2031-12-15 10:00`);
  assert.equal(description.typedSearchAttributes.get({ name: 'DentistId', type: 'INT' } as never), dentist.id);
  const withOffset = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: '2031-12-16T04:00:00.000-05:00' },
  });
  assert.is(withOffset.body.appointment?.appointment_date, '2031-12-16T10:00:00+01:00', 'an offset is taken as given, shown in the practice zone');
  const clash = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: (await newPatient(app, token)).id, dentist_id: dentist.id, appointment_date: '2031-12-15T10:15' },
  });
  assert.is(clash.status, 409, clash.text);
  assert.equal(
    clash.body.conflicts.map((overlap: { appointment_date: string; ends_at: string }) => [overlap.appointment_date, overlap.ends_at]),
    [['2031-12-15T10:00:00+01:00', '2031-12-15T10:45:00+01:00']],
    'the conflicts too are in the practice zone',
  );
});

booking('overlaps for the dentist or the patient are 409 with the conflicts; back-to-back is fine', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const [alice, bob] = [await newPatient(app, token), await newPatient(app, token)];
  const [drA, drB] = [await newDentist(app, token), await newDentist(app, token)];
  const slot = futureSlot(9);
  const book = (patient_id: number, dentist_id: number, appointment_date: string, duration = 30) =>
    call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id, dentist_id, appointment_date, duration } });
  const first = await book(alice.id, drA.id, slot);
  assert.is(first.status, 201);
  const dentistBusy = await book(bob.id, drA.id, slot.replace(/:00$/, ':15'));
  assert.is(dentistBusy.status, 409);
  assert.is(dentistBusy.body.error, 'conflict');
  assert.equal(dentistBusy.body.conflicts.map((c: { id: number }) => c.id), [first.body.appointment.id]);
  const patientBusy = await book(alice.id, drB.id, slot);
  assert.is(patientBusy.status, 409, 'the patient cannot be in two chairs');
  const backToBack = await book(bob.id, drA.id, slot.replace(/T09:00$/, 'T09:30'));
  assert.is(backToBack.status, 201, 'a slot may start when the previous ends');
});

booking('twenty simultaneous requests for one slot: exactly one is booked', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const dentist = await newDentist(app, token);
  const patients = await Promise.all(Array.from({ length: 20 }, () => newPatient(app, token)));
  const slot = futureSlot(11);
  const responses = await Promise.all(
    patients.map((patient) => call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: slot } })),
  );
  const statuses = responses.map((response) => response.status).sort();
  assert.equal(statuses, [201, ...Array(19).fill(409)]);
  const listed = await call(app, 'GET', `/api/dental/appointments?dentist_id=${dentist.id}`, { token });
  assert.is(listed.body.total, 1, 'one row in the database');
});

booking('unknown people, the past and closed hours are 422; nothing is written', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const dentist = await newDentist(app, token, { working_hours: { mon: [['09:00', '12:00']], tue: [['09:00', '12:00']], wed: [['09:00', '12:00']], thu: [['09:00', '12:00']], fri: [['09:00', '12:00']] } });
  const book = (json: Record<string, unknown>) => call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: dentist.id, ...json } });
  assert.is((await book({ appointment_date: '2020-01-01T10:00' })).status, 422);
  assert.is((await book({ appointment_date: 'tomorrow-ish' })).status, 422);
  for (const offCalendar of ['2031-02-30T10:00', '2031-02-30T10:00Z', '2031-06-02T24:00+02:00', '2031-06-02T10:00+24:00']) {
    assert.is((await book({ appointment_date: offCalendar })).status, 422, offCalendar);
  }
  assert.is((await book({ appointment_date: '2031-06-02T10:00', patient_id: 999999999 })).status, 422);
  assert.is((await book({ appointment_date: '2031-06-02T10:00', duration: 500 })).status, 422);
  const saturday = await book({ appointment_date: '2031-06-07T10:00' });
  assert.equal([saturday.status, Object.keys(saturday.body.details.fields)], [422, ['appointment_date']]);
  assert.is((await book({ appointment_date: '2031-06-02T11:45', duration: 30 })).status, 422, 'runs past closing');
  assert.is((await book({ appointment_date: '2031-06-02T11:30', duration: 30 })).status, 201, 'ends exactly at closing');
  const listed = await call(app, 'GET', `/api/dental/appointments?patient_id=${patient.id}`, { token });
  assert.equal([listed.body.total, listed.body.page, listed.body.per_page, listed.body.pages], [1, 1, 50, 1]);
});

booking('reschedule is re-checked; statuses move only forward; cancelling frees the slot', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const [alice, bob] = [await newPatient(app, token), await newPatient(app, token)];
  const dentist = await newDentist(app, token);
  const slot = futureSlot(14);
  const later = slot.replace(/T14:00$/, 'T15:00');
  const first = (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: alice.id, dentist_id: dentist.id, appointment_date: slot } })).body.appointment;
  const second = (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: bob.id, dentist_id: dentist.id, appointment_date: later } })).body.appointment;
  const clash = await call(app, 'PUT', `/api/dental/appointment/${second.id}`, { token, json: { appointment_date: slot } });
  assert.equal([clash.status, clash.body.conflicts?.[0]?.id], [409, first.id]);
  const moved = await call(app, 'PUT', `/api/dental/appointment/${second.id}`, { token, json: { appointment_date: later.replace(':00', ':30'), notes: 'moved' } });
  assert.equal([moved.status, moved.body.appointment.notes], [200, 'moved']);
  assert.match(moved.body.appointment.appointment_date, /T15:30:00\+00:00$/);

  const illegal = await call(app, 'PUT', `/api/dental/appointment/${first.id}`, { token, json: { status: 'completed' } });
  assert.equal([illegal.status, illegal.body.error], [409, 'illegal_transition']);
  const halfLegal = await call(app, 'PUT', `/api/dental/appointment/${first.id}`, { token, json: { appointment_date: slot.replace(/T14:00$/, 'T17:00'), status: 'completed', notes: 'x' } });
  assert.equal([halfLegal.status, halfLegal.body.error], [409, 'illegal_transition']);
  const untouched = (await call(app, 'GET', `/api/dental/appointment/${first.id}`, { token })).body.appointment;
  assert.equal([untouched.appointment_date, untouched.notes], [first.appointment_date, first.notes], 'a refused change moved nothing');
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${first.id}`, { token, json: { status: 'confirmed' } })).body.appointment.status, 'confirmed');
  const cancelled = await call(app, 'DELETE', `/api/dental/appointment/${first.id}`, { token });
  assert.equal([cancelled.status, cancelled.body.appointment.status], [200, 'cancelled']);
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${first.id}`, { token, json: { status: 'confirmed' } })).status, 409, 'cancelled is final');
  const retaken = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: bob.id, dentist_id: dentist.id, appointment_date: slot } });
  assert.is(retaken.status, 201, 'the freed slot can be booked again');
  assert.is((await call(app, 'DELETE', '/api/dental/appointment/999999999', { token })).status, 404);
});

booking('two status changes at once: one lands, the other is refused', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  // Today, so that the check-in may win too.
  const booked = (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: (await newPatient(app, token)).id, dentist_id: (await newDentist(app, token)).id, appointment_date: await startingIn(5 * 60) } })).body.appointment;
  const [cancel, checkIn] = await Promise.all([
    call(app, 'DELETE', `/api/dental/appointment/${booked.id}`, { token }),
    call(app, 'PUT', `/api/dental/appointment/${booked.id}`, { token, json: { status: 'checked_in' } }),
  ]);
  assert.equal([cancel.status, checkIn.status].sort(), [200, 409]);
  const winner = cancel.status === 200 ? 'cancelled' : 'checked_in';
  assert.is((await call(app, 'GET', `/api/dental/appointment/${booked.id}`, { token })).body.appointment.status, winner);
});

booking('a status change that reaches the database after its caller gave up (and answered 503) writes nothing', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const booked = (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: (await newPatient(app, token)).id, dentist_id: (await newDentist(app, token)).id, appointment_date: futureSlot(6) } })).body.appointment;
  const { config, logger, pools } = await getStack();
  const activities = createDentalActivities({ config, logger, pools });
  try {
    await activities.setAppointmentStatus(booked.id, 'cancelled', 'scheduled', Date.now() - 1);
    assert.unreachable('a late change must be refused');
  } catch (error) {
    assert.is((error as { type?: string }).type, 'RequestExpired');
  }
  assert.is((await call(app, 'GET', `/api/dental/appointment/${booked.id}`, { token })).body.appointment.status, 'scheduled');
});

booking('once its workflow has ended an appointment cannot move, but its status can still be recorded', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const book = async (appointment_date: string) =>
    call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: (await newPatient(app, token)).id, dentist_id: (await newDentist(app, token)).id, appointment_date } });
  const [ahead, booked] = [await book(futureSlot(7)), await book(await startingIn(2))];
  const { temporal } = await getStack();
  // What an hour after the appointment looks like to the API: the workflow is closed, the row still open.
  for (const { body } of [ahead, booked]) await temporal.workflow.getHandle(body.workflow_id).terminate('test: the appointment is over');
  const early = await call(app, 'PUT', `/api/dental/appointment/${ahead.body.appointment.id}`, { token, json: { status: 'no_show' } });
  assert.equal([early.status, early.body.error], [409, 'too_early'], 'the clock holds after the workflow too');
  await waitUntilPast(booked.body.appointment.appointment_date);
  const id = booked.body.appointment.id;
  const move = await call(app, 'PUT', `/api/dental/appointment/${id}`, { token, json: { duration: 60 } });
  assert.equal([move.status, move.body.error], [409, 'appointment_over']);
  const noShow = await call(app, 'PUT', `/api/dental/appointment/${id}`, { token, json: { status: 'no_show' } });
  assert.equal([noShow.status, noShow.body.appointment?.status], [200, 'no_show'], noShow.text);
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${id}`, { token })).status, 409, 'no-show is final');
});

booking('reminders go out once at their offset, are skipped when already past, and stop on cancel', async () => {
  // Offsets of 1 and 3 minutes before an appointment 75 s away: the first is due in ~15 s, the second has passed.
  const app = await dentalApp({ DENTAL_REMINDER_OFFSETS: [3, 1] });
  const token = await staffToken();
  const dentist = await newDentist(app, token);
  const [kept, dropped] = [await newPatient(app, token), await newPatient(app, token)];
  const soon = new Date(Date.now() + 75_000).toISOString();
  const keptBooking = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: kept.id, dentist_id: dentist.id, appointment_date: soon, duration: 10 } });
  const otherDentist = await newDentist(app, token);
  const droppedBooking = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: dropped.id, dentist_id: otherDentist.id, appointment_date: soon, duration: 10 } });
  assert.is(keptBooking.status, 201, keptBooking.text);
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${droppedBooking.body.appointment.id}`, { token })).status, 200);

  const { temporal } = await getStack();
  const state = await temporal.workflow.getHandle(keptBooking.body.workflow_id).query('getState');
  assert.is((state as { nextReminder: { offsetMinutes: number } }).nextReminder.offsetMinutes, 1);

  const deadline = Date.now() + 40_000;
  let reminders: Array<{ offset_minutes: number; status: string }> = [];
  while (Date.now() < deadline) {
    reminders = (await call(app, 'GET', `/api/dental/appointment/${keptBooking.body.appointment.id}/reminders`, { token })).body.reminders;
    if (reminders.length) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.equal(reminders.map((reminder) => [reminder.offset_minutes, reminder.status]), [[1, 'sent']]);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const after = (await call(app, 'GET', `/api/dental/appointment/${keptBooking.body.appointment.id}/reminders`, { token })).body.reminders;
  assert.is(after.length, 1, 'sent exactly once');
  const none = (await call(app, 'GET', `/api/dental/appointment/${droppedBooking.body.appointment.id}/reminders`, { token })).body.reminders;
  assert.equal(none, [], 'no reminder after cancelling');
});

booking.run();
