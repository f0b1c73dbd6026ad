// A dentist's appointments in their own calendar app: staff make a feed (a secret address a calendar
// app subscribes to) and revoke it. The token is shown once, at creation; only its hash is kept. The
// feed shows each appointment's time and, of the patient, only what staff chose (by default the type
// and the patient's first name); never a reason, a note or contact details.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { dentalPublicUrl } from '../../../config/dental.js';
import { dentistCalendarFeed } from '../../../core/dental/appointment-calendar.js';
import { formatInZone } from '../../../core/dental/time.js';
import { FEED_SHOWS, type FeedShows, calendarFeedRow, feedAppointments, findLiveCalendarFeed, insertCalendarFeed, listCalendarFeeds, revokeCalendarFeed } from '../../../db/dental/calendar-feeds.js';
import { findDentist } from '../../../db/dental/dentists.js';
import { notFound } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { dentistFullName } from '../present.js';
import type { DentalContext, DentalServices } from '../services.js';

/** Appointments one feed carries at most (a year of a busy dentist). */
const FEED_LIMIT = 5000;
const hashOf = (token: string) => createHash('sha256').update(token).digest();

const feedView = calendarFeedRow.extend({ created_at: z.string().describe('In the practice time zone, with its offset'), revoked_at: z.string().nullable() }).meta({ id: 'CalendarFeed' });
const dentistParams = z.object({ id: fields.id });
const feedParams = z.object({ id: fields.id, feed_id: fields.id });
const newFeed = z.object({
  shows: z.array(z.enum(FEED_SHOWS)).max(FEED_SHOWS.length).default(['appointment_type', 'patient_first_name']),
});
const feedToken = z.object({ token: z.string().max(200).describe('The token in the address the feed was made with') });

/** A feed as staff see it, its times in the practice's zone. */
const feedAnswer = (feed: z.infer<typeof calendarFeedRow>, timeZone: string) => ({
  ...feed,
  created_at: formatInZone(feed.created_at, timeZone),
  revoked_at: feed.revoked_at && formatInZone(feed.revoked_at, timeZone),
});

const requireDentist = async ({ pool }: DentalServices, id: number) => (await findDentist(pool, id)) ?? notFoundDentist();

/** "Checkup — Jane": the type and the name as the feed may show them. */
function summaryOf(shows: FeedShows[], appointment: { appointment_type: string; patient_first_name: string; patient_last_name: string }) {
  const parts = [
    shows.includes('appointment_type') && appointment.appointment_type.charAt(0).toUpperCase() + appointment.appointment_type.slice(1),
    shows.includes('patient_full_name') ? `${appointment.patient_first_name} ${appointment.patient_last_name}` : shows.includes('patient_first_name') && appointment.patient_first_name,
  ].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(' — ') : 'Appointment';
}

async function createFeed({ services, params, body, user, event }: DentalContext<{ access: 'staff'; params: typeof dentistParams; body: typeof newFeed }>) {
  const { pool, config, practice } = services;
  const dentist = await requireDentist(services, params.id);
  const token = randomBytes(32).toString('base64url');
  const feed = await insertCalendarFeed(pool, { dentistId: dentist.id, tokenHash: hashOf(token), shows: [...new Set(body.shows)], createdBy: user.id });
  event.res.status = 201;
  return {
    message: 'Calendar feed created: its address is shown only now',
    feed: feedAnswer(feed, practice.timeZone),
    url: `${dentalPublicUrl(config)}/api/dental/dentist/${dentist.id}/calendar.ics?token=${token}`,
  };
}

async function listFeeds({ services, params }: DentalContext<{ access: 'staff'; params: typeof dentistParams }>) {
  await requireDentist(services, params.id);
  return { feeds: (await listCalendarFeeds(services.pool, params.id)).map((feed) => feedAnswer(feed, services.practice.timeZone)) };
}

async function revokeFeed({ services: { pool, practice }, params }: DentalContext<{ access: 'staff'; params: typeof feedParams }>) {
  const feed = (await revokeCalendarFeed(pool, params.id, params.feed_id)) ?? notFoundFeed();
  return { message: 'Calendar feed revoked', feed: feedAnswer(feed, practice.timeZone) };
}

async function serveFeed({ services, params, query }: DentalContext<{ access: 'public'; params: typeof dentistParams; query: typeof feedToken }>) {
  const { pool, practice } = services;
  const feed = (await findLiveCalendarFeed(pool, params.id, hashOf(query.token))) ?? notFoundFeed();
  const dentist = await requireDentist(services, feed.dentist_id);
  const appointments = await feedAppointments(pool, dentist.id, FEED_LIMIT);
  const calendar = dentistCalendarFeed(
    appointments.map((appointment) => ({ ...appointment, summary: summaryOf(feed.shows, appointment) })),
    practice,
    dentistFullName(dentist),
  );
  return new Response(calendar, {
    headers: {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': 'inline; filename="appointments.ics"',
      // The address is a secret and the entries name patients: no shared cache keeps them.
      'cache-control': 'private, no-store',
      'referrer-policy': 'no-referrer',
    },
  });
}

function notFoundDentist(): never {
  throw notFound('No such dentist');
}

function notFoundFeed(): never {
  throw notFound('No such calendar feed');
}

export const calendarFeedRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/dental/dentist/:id/calendar-feeds',
    summary: 'Make a calendar feed of the dentist’s appointments (its address is shown only in this answer)',
    description: 'A calendar app subscribes to `url`. `shows` chooses what each entry says beyond its time: the appointment type, the patient’s first name, or full name.',
    access: 'staff',
    params: dentistParams,
    body: newFeed,
    responses: {
      201: {
        description: 'Made: subscribe to `url`',
        schema: z.object({ message: z.string(), feed: feedView, url: z.string().describe('The feed’s secret address; kept nowhere else') }),
      },
    },
    example: { params: { id: 3 }, body: { shows: ['appointment_type', 'patient_first_name'] } },
    handler: createFeed,
  }),

  defineRoute({
    method: 'GET',
    path: '/api/dental/dentist/:id/calendar-feeds',
    summary: 'The dentist’s calendar feeds, live and revoked (without their addresses)',
    access: 'staff',
    params: dentistParams,
    responses: { 200: { description: 'The feeds', schema: z.object({ feeds: z.array(feedView) }) } },
    handler: listFeeds,
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/dental/dentist/:id/calendar-feeds/:feed_id',
    summary: 'Revoke a calendar feed: its address answers 404 from now on',
    access: 'staff',
    params: feedParams,
    responses: { 200: { description: 'Revoked (or already)', schema: z.object({ message: z.string(), feed: feedView }) } },
    handler: revokeFeed,
  }),

  defineRoute({
    method: 'GET',
    path: '/api/dental/dentist/:id/calendar.ics',
    summary: 'A dentist’s appointments as an iCalendar feed, for a calendar app to subscribe to',
    description: 'No account: the token of a live feed made for this dentist is the proof; any other token is 404.',
    access: 'public',
    params: dentistParams,
    query: feedToken,
    responses: { 200: { description: 'The appointments from a week ago on (cancelled ones leave the feed)', mediaTypes: ['text/calendar'] } },
    handler: serveFeed,
  }),
];
