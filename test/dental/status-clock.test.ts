// Statuses that record what happened at an appointment follow the clock: checked in and completed
// from the start of its day in the practice's zone, a no-show once it has begun. The API refuses
// early changes with 409 `too_early` saying from when; the database refuses them too, by its clock,
// whichever path writes (the appointment's workflow, or the direct write after it ended).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalActivities } from '../../activities/dental.js';
import { createDentalWorkflowClient } from '../../api/dental/workflow-client.js';
import { changeStatus, statusPossibleFrom } from '../../db/dental/appointments.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken, startingIn, waitUntilPast } from './support.js';

const clock = suite('appointment statuses follow the clock');

async function book(appointment_date: string) {
  const app = await dentalApp();
  const token = await staffToken();
  const booked = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: (await newPatient(app, token)).id, dentist_id: (await newDentist(app, token)).id, appointment_date, duration: 30 },
  });
  if (booked.status !== 201) throw new Error(`booking: ${booked.status} ${booked.text}`);
  const appointment = booked.body.appointment as { id: number; appointment_date: string; status: string; workflow_id: string };
  const put = (json: Record<string, unknown>) => call(app, 'PUT', `/api/dental/appointment/${appointment.id}`, { token, json });
  const read = async () => (await call(app, 'GET', `/api/dental/appointment/${appointment.id}`, { token })).body.appointment;
  return { app, token, appointment, put, read };
}

clock('an appointment years ahead cannot be checked in, completed or marked a no-show today; the 409 says from when', async () => {
  const slot = futureSlot(10);
  const { appointment, put, read } = await book(slot);
  const day = `${slot.slice(0, 10)}T00:00:00+00:00`;

  const noShow = await put({ status: 'no_show' });
  assert.equal([noShow.status, noShow.body.error, noShow.body.details?.possible_from], [409, 'too_early', appointment.appointment_date], noShow.text);
  assert.ok(noShow.body.message.includes(appointment.appointment_date), noShow.body.message);
  const checkIn = await put({ status: 'checked_in' });
  assert.equal([checkIn.status, checkIn.body.error, checkIn.body.details?.possible_from], [409, 'too_early', day], checkIn.text);
  assert.match(checkIn.body.message, `can be checked in from ${day}`);
  assert.is((await put({ status: 'confirmed' })).status, 200, 'confirming ahead is what confirming is for');
  assert.is((await put({ status: 'checked_in' })).status, 409);
  assert.is((await put({ status: 'completed' })).body.error, 'illegal_transition', 'completed only after a check-in');
  assert.is((await read()).status, 'confirmed', 'no refused change was recorded');
});

clock("today's appointment: checked in on its day, then completed; a no-show only once it has begun", async () => {
  const later = await book(await startingIn(5 * 60));
  const noShowTooSoon = await later.put({ status: 'no_show' });
  assert.equal([noShowTooSoon.status, noShowTooSoon.body.details?.possible_from], [409, later.appointment.appointment_date]);
  assert.match(noShowTooSoon.body.message, 'when it starts');
  const checkedIn = await later.put({ status: 'checked_in' });
  assert.equal([checkedIn.status, checkedIn.body.appointment?.status], [200, 'checked_in'], checkedIn.text);
  const completed = await later.put({ status: 'completed' });
  assert.equal([completed.status, completed.body.appointment?.status], [200, 'completed'], completed.text);
  const { app, token } = later;
  const dentistId = (await later.read()).dentist_id;
  const sameChair = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: (await newPatient(app, token)).id, dentist_id: dentistId, appointment_date: later.appointment.appointment_date, duration: 30 },
  });
  assert.equal([sameChair.status, sameChair.body.conflicts?.map((c: { id: number }) => c.id)], [409, [later.appointment.id]], 'finished early, it still holds its slot, and the 409 names it');

  const missed = await book(await startingIn(2));
  await waitUntilPast(missed.appointment.appointment_date);
  const noShow = await missed.put({ status: 'no_show' });
  assert.equal([noShow.status, noShow.body.appointment?.status], [200, 'no_show'], noShow.text);
});

clock('a move and a check-in in one request are judged at the new time; a refusal moves nothing', async () => {
  const today = await book(await startingIn(5 * 60));
  const slot = futureSlot(11);
  const both = await today.put({ appointment_date: slot, status: 'checked_in' });
  assert.equal([both.status, both.body.error, both.body.details?.possible_from], [409, 'too_early', `${slot.slice(0, 10)}T00:00:00+00:00`], both.text);
  const unchanged = await today.read();
  assert.equal([unchanged.appointment_date, unchanged.status], [today.appointment.appointment_date, 'scheduled']);
});

clock('the database refuses early changes on every path: through the workflow, and written directly', async () => {
  const { appointment, read } = await book(futureSlot(12));
  const { config, logger, pools, temporal } = await getStack();

  // The workflow's own write, as when the API's check passed a moment before a reschedule.
  const activities = createDentalActivities({ config, logger, pools });
  try {
    await activities.setAppointmentStatus(appointment.id, 'no_show', 'scheduled', Date.now() + 5000);
    assert.unreachable('an early no-show must be refused');
  } catch (error) {
    const failure = error as { type?: string; details?: Array<{ possibleFrom: string }> };
    assert.is(failure.type, 'TooEarly');
    assert.is(Date.parse(failure.details![0]!.possibleFrom), Date.parse(appointment.appointment_date));
  }
  // The same refusal reaches a caller of the workflow as the API's 409.
  try {
    await createDentalWorkflowClient(temporal, config).setStatus(appointment.id, 'checked_in');
    assert.unreachable('an early check-in must be refused');
  } catch (error) {
    const refusal = error as { status?: number; code?: string; details?: { possible_from?: string } };
    assert.equal([refusal.status, refusal.code], [409, 'too_early']);
    assert.is(refusal.details?.possible_from, `${appointment.appointment_date.slice(0, 10)}T00:00:00+00:00`);
  }
  // The direct compare-and-set used once the workflow has ended.
  assert.is(await changeStatus(pools.dental, appointment.id, 'scheduled', 'no_show', config.PRACTICE_TIME_ZONE), null);
  assert.is((await read()).status, 'scheduled');
});

clock("the appointment's day is the practice's: its local midnight, across offsets", async () => {
  const { pools } = await getStack();
  // 00:30 in Berlin on 15 March is 23:30 UTC on the 14th: the day began at 23:00 UTC.
  assert.is(await statusPossibleFrom(pools.dental, 'checked_in', '2035-03-14T23:30:00Z', 'Europe/Berlin'), '2035-03-14T23:00:00.000Z');
  assert.is(await statusPossibleFrom(pools.dental, 'checked_in', '2035-07-14T23:30:00Z', 'Europe/Berlin'), '2035-07-14T22:00:00.000Z', 'summer time');
  assert.is(await statusPossibleFrom(pools.dental, 'no_show', '2035-03-14T23:30:00Z', 'Europe/Berlin'), '2035-03-14T23:30:00.000Z');
  assert.is(await statusPossibleFrom(pools.dental, 'cancelled', '2035-03-14T23:30:00Z', 'Europe/Berlin'), null, 'cancelling is possible any time');
  assert.is(await statusPossibleFrom(pools.dental, 'checked_in', new Date(Date.now() - 60_000).toISOString(), 'Europe/Berlin'), null, 'allowed once begun');
});

clock.run();
