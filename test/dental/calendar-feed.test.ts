// A dentist's calendar feed, as a calendar app reads it: the appointments that hold the dentist's
// time (a cancelled one leaves the feed, a moved one is a newer version of the same entry), saying of
// the patient only what staff chose; the token works for its own dentist only, is stored only as a
// hash, and stops working when staff revoke it.
import { createHash } from 'node:crypto';
import ical, { type VEvent } from 'node-ical';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken } from './support.js';

const feeds = suite('dentists’ calendar feeds');

const pathOf = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');
const eventsOf = (text: string) =>
  Object.values(ical.sync.parseICS(text))
    .filter((component): component is VEvent => component?.type === 'VEVENT')
    .sort((a, b) => a.start.getTime() - b.start.getTime());

feeds('a feed shows the dentist’s appointments with the type and first name only, follows moves and cancellations, and dies when revoked', async () => {
  const { pools } = await getStack();
  const app = await dentalApp();
  const token = await staffToken();
  const [dentist, otherDentist] = [await newDentist(app, token), await newDentist(app, token)];
  const patient = await newPatient(app, token);
  const lastName = (await call(app, 'GET', `/api/dental/patient/${patient.id}`, { token })).body.patient.last_name as string;
  const book = async (appointment_date: string, appointment_type = 'checkup') =>
    (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date, appointment_type, reason: 'Toothache', notes: 'Prefers mornings' } })).body.appointment as { id: number; appointment_date: string };
  const slot = futureSlot(9);
  const [kept, moved, cancelled] = [await book(slot), await book(slot.replace('T09:00', 'T11:00'), 'filling'), await book(slot.replace('T09:00', 'T13:00'))];
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${cancelled.id}`, { token })).status, 200);
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${moved.id}`, { token, json: { appointment_date: slot.replace('T09:00', 'T15:00') } })).status, 200);

  const made = await call(app, 'POST', `/api/dental/dentist/${dentist.id}/calendar-feeds`, { token, json: {} });
  assert.is(made.status, 201, made.text);
  assert.equal(made.body.feed.shows, ['appointment_type', 'patient_first_name']);
  const feedToken = new URL(made.body.url).searchParams.get('token')!;

  const read = await call(app, 'GET', pathOf(made.body.url));
  assert.is(read.status, 200, read.text);
  assert.match(read.headers.get('content-type') ?? '', /^text\/calendar/);
  const events = eventsOf(read.text);
  assert.equal(events.map((event) => [event.uid, event.summary, Number(event.sequence)]), [
    [`appointment-${kept.id}@127.0.0.1`, 'Checkup — Jane', 0],
    [`appointment-${moved.id}@127.0.0.1`, 'Filling — Jane', 1],
  ], 'the cancelled one is gone; the moved one is its newer version');
  assert.is(events[1]!.start.toISOString(), new Date(`${slot.replace('T09:00', 'T15:00')}:00Z`).toISOString());
  for (const secret of [lastName, 'Toothache', 'Prefers mornings', patient.email]) assert.not.ok(read.text.includes(secret), `the feed does not show "${secret}"`);

  const fullNames = await call(app, 'POST', `/api/dental/dentist/${dentist.id}/calendar-feeds`, { token, json: { shows: ['patient_full_name'] } });
  assert.equal(eventsOf((await call(app, 'GET', pathOf(fullNames.body.url))).text).map((event) => event.summary), [`Jane ${lastName}`, `Jane ${lastName}`], 'what staff chose to show');

  const stored = await pools.dental.one(sql.type(z.object({ token_hash: z.instanceof(Buffer), row: z.string() }))`
    select token_hash, row_to_json(f)::text as row from dentist_calendar_feeds f where id = ${made.body.feed.id}`);
  assert.ok(stored.token_hash.equals(createHash('sha256').update(feedToken).digest()), 'the hash of the token');
  assert.not.ok(stored.row.includes(feedToken), 'never the token itself');
  const listed = await call(app, 'GET', `/api/dental/dentist/${dentist.id}/calendar-feeds`, { token });
  assert.equal(listed.body.feeds.map((feed: { id: number }) => feed.id), [made.body.feed.id, fullNames.body.feed.id]);
  assert.not.ok(listed.text.includes(feedToken), 'the list does not show addresses');

  const refused = [
    `/api/dental/dentist/${otherDentist.id}/calendar.ics?token=${feedToken}`,
    `/api/dental/dentist/${dentist.id}/calendar.ics?token=${feedToken.slice(0, -1)}${feedToken.endsWith('A') ? 'B' : 'A'}`,
  ];
  for (const path of refused) assert.is((await call(app, 'GET', path)).status, 404, path);
  assert.is((await call(app, 'GET', `/api/dental/dentist/${dentist.id}/calendar.ics`)).status, 422, 'no token');

  assert.is((await call(app, 'DELETE', `/api/dental/dentist/${otherDentist.id}/calendar-feeds/${made.body.feed.id}`, { token })).status, 404, 'another dentist’s feed');
  const revoked = await call(app, 'DELETE', `/api/dental/dentist/${dentist.id}/calendar-feeds/${made.body.feed.id}`, { token });
  assert.equal([revoked.status, typeof revoked.body.feed.revoked_at], [200, 'string']);
  assert.is((await call(app, 'GET', pathOf(made.body.url))).status, 404, 'a revoked feed answers nothing');
  assert.is((await call(app, 'DELETE', `/api/dental/dentist/${dentist.id}/calendar-feeds/${made.body.feed.id}`, { token })).body.feed.revoked_at, revoked.body.feed.revoked_at, 'revoking again changes nothing');
  assert.is((await call(app, 'GET', pathOf(fullNames.body.url))).status, 200, 'the other feed still works');
  assert.is((await call(app, 'POST', '/api/dental/dentist/987654321/calendar-feeds', { token, json: {} })).status, 404);
});

feeds.run();
