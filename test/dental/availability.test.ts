// Open slots agree with booking: they follow the dentist's working intervals (breaks are the gaps),
// skip what is booked (a cancelled booking frees its time), place every slot at its true offset on the
// days the clocks change, and every slot listed for a day can be booked, all of them at once.
import type { H3 } from 'h3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '../support/http.js';
import { dentalApp, newDentist, newPatient, staffToken } from './support.js';

const availability = suite('open slots');

const WEEKDAYS = { mon: [['09:00', '12:00'], ['13:00', '15:00']], tue: [['09:00', '12:00'], ['13:00', '15:00']], wed: [['09:00', '12:00'], ['13:00', '15:00']], thu: [['09:00', '12:00'], ['13:00', '15:00']], fri: [['09:00', '12:00'], ['13:00', '15:00']] };
const plusDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 24 * 3600_000).toISOString().slice(0, 10);
/** A Monday some years ahead. */
function futureMonday(): string {
  const day = new Date(Date.UTC(2033 + Math.floor(Math.random() * 40), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 20)));
  return plusDays(day.toISOString().slice(0, 10), (8 - day.getUTCDay()) % 7);
}

const slotsOf = async (app: H3, token: string, query: string) => {
  const answer = await call(app, 'GET', `/api/dental/availability?${query}`, { token });
  assert.is(answer.status, 200, answer.text);
  return (answer.body.slots as Array<{ start: string; end: string }>).map((slot) => `${slot.start.slice(11, 16)}${slot.start.slice(19)}-${slot.end.slice(11, 16)}`);
};

availability('slots follow the working hours and their break, skip bookings (not cancelled ones) and are refused when malformed', async () => {
  const app = await dentalApp({ PRACTICE_TIME_ZONE: 'Europe/Berlin' });
  const token = await staffToken();
  const dentist = await newDentist(app, token, { working_hours: WEEKDAYS });
  const monday = futureMonday();
  const query = `dentist_id=${dentist.id}&date=${monday}&duration=60`;
  const offset = (await call(app, 'GET', `/api/dental/availability?${query}`, { token })).body.slots[0].start.slice(19);
  const hours = (...list: string[]) => list.map((range) => `${range.slice(0, 5)}${offset}-${range.slice(6)}`);
  assert.equal(await slotsOf(app, token, query), hours('09:00-10:00', '10:00-11:00', '11:00-12:00', '13:00-14:00', '14:00-15:00'), 'none across the lunch break');

  const book = async (time: string, duration: number) =>
    call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: (await newPatient(app, token)).id, dentist_id: dentist.id, appointment_date: `${monday}T${time}`, duration } });
  assert.is((await book('10:30', 15)).status, 201);
  const cancelled = await book('13:00', 60);
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${cancelled.body.appointment.id}`, { token })).status, 200);
  assert.equal(await slotsOf(app, token, query), hours('09:00-10:00', '11:00-12:00', '13:00-14:00', '14:00-15:00'), 'the booked hour is gone, the cancelled one is back');
  assert.equal((await slotsOf(app, token, `dentist_id=${dentist.id}&date=${monday}&duration=30`)).length, 9, '30-minute slots: 10 in the hours, one taken');

  assert.equal(await slotsOf(app, token, `dentist_id=${dentist.id}&date=${plusDays(monday, 5)}`), [], 'no hours on Saturday');
  const week = await call(app, 'GET', `/api/dental/availability?dentist_id=${dentist.id}&from=${monday}&duration=60`, { token });
  assert.equal([week.body.from, week.body.to, week.body.slots.length], [monday, plusDays(monday, 6), 4 + 4 * 5], 'a week: Monday as above, four more weekdays in full');
  assert.equal(await slotsOf(app, token, `dentist_id=${dentist.id}&date=2020-01-06`), [], 'the past has no free slots');

  const today = await call(app, 'GET', `/api/dental/availability?dentist_id=${dentist.id}`, { token });
  assert.equal([today.status, today.body.from, today.body.to], [200, new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(Date.now()), today.body.from], 'no day: today');
  for (const bad of [`dentist_id=${dentist.id}&to=${monday}`, `dentist_id=${dentist.id}&date=${monday}&from=${monday}`, `dentist_id=${dentist.id}&date=2031-02-30`, `dentist_id=${dentist.id}&from=${monday}&to=2020-01-01`, `dentist_id=${dentist.id}&from=2031-01-01&to=2031-03-01`, `dentist_id=${dentist.id}&date=${monday}&duration=4`]) {
    const refused = await call(app, 'GET', `/api/dental/availability?${bad}`, { token });
    assert.equal([refused.status, refused.body.error], [422, 'validation_failed'], bad);
  }
  assert.is((await call(app, 'GET', `/api/dental/availability?dentist_id=987654321&date=${monday}`, { token })).status, 404);
});

availability('on the days the clocks change every slot is placed at its true offset', async () => {
  const app = await dentalApp({ PRACTICE_TIME_ZONE: 'Europe/Berlin' });
  const token = await staffToken();
  // Sundays, open through the night: Berlin springs from 02:00 to 03:00 on 30 March 2031, and falls
  // back from 03:00 to 02:00 on 26 October 2031.
  const dentist = await newDentist(app, token, { working_hours: { sun: [['00:00', '05:00'], ['09:00', '11:00']] } });
  const query = (date: string) => `dentist_id=${dentist.id}&date=${date}&duration=60`;
  assert.equal(await slotsOf(app, token, query('2031-03-30')), [
    '00:00+01:00-01:00', '01:00+01:00-03:00', '03:00+02:00-04:00', '04:00+02:00-05:00',
    '09:00+02:00-10:00', '10:00+02:00-11:00',
  ], 'the hour the clocks skip is not offered; the night is one hour shorter');
  assert.equal(await slotsOf(app, token, query('2031-10-26')), [
    '00:00+02:00-01:00', '01:00+02:00-02:00', '02:00+02:00-02:00', '02:00+01:00-03:00', '03:00+01:00-04:00', '04:00+01:00-05:00',
    '09:00+01:00-10:00', '10:00+01:00-11:00',
  ], 'the hour that repeats is offered twice, each at its own offset');
  const booked = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: (await newPatient(app, token)).id, dentist_id: dentist.id, appointment_date: '2031-10-26T02:00:00+01:00', duration: 60 },
  });
  assert.is(booked.status, 201, `the second 02:00 is bookable: ${booked.text}`);
  assert.not.ok((await slotsOf(app, token, query('2031-10-26'))).includes('02:00+01:00-03:00'));
  assert.ok((await slotsOf(app, token, query('2031-10-26'))).includes('02:00+02:00-02:00'), 'the first 02:00 is still free');
});

availability('every slot listed for a day can be booked, all at once, without a conflict', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const dentist = await newDentist(app, token, { working_hours: WEEKDAYS });
  const monday = futureMonday();
  const listed = (await call(app, 'GET', `/api/dental/availability?dentist_id=${dentist.id}&date=${monday}&duration=20`, { token })).body.slots as Array<{ start: string }>;
  assert.is(listed.length, 15, '3 hours and 2 hours of 20-minute slots');
  const patients = await Promise.all(listed.map(() => newPatient(app, token)));
  const answers = await Promise.all(
    listed.map((slot, index) => call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patients[index]!.id, dentist_id: dentist.id, appointment_date: slot.start, duration: 20 } })),
  );
  assert.equal(answers.map((answer) => answer.status), listed.map(() => 201), answers.map((answer) => answer.text).find((text) => !text.includes('"appointment"')));
  assert.equal((await call(app, 'GET', `/api/dental/availability?dentist_id=${dentist.id}&date=${monday}&duration=20`, { token })).body.slots, [], 'the day is full');
});

availability.run();
