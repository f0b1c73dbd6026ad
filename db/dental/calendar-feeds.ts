// Dentists' calendar feeds. A feed is found by the SHA-256 of its token (the token itself is never
// stored), for its own dentist only, while it is not revoked; what it shows of each appointment was
// chosen by staff when they made it.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { APPOINTMENT_STATUSES, holdsTime } from './appointments.js';

export const FEED_SHOWS = ['appointment_type', 'patient_first_name', 'patient_full_name'] as const;
export type FeedShows = (typeof FEED_SHOWS)[number];

export const calendarFeedRow = z.object({
  id: z.number(),
  dentist_id: z.number(),
  shows: z.array(z.enum(FEED_SHOWS)),
  created_by: z.number(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
const COLUMNS = sql.fragment`id, dentist_id, shows, created_by, created_at, revoked_at`;

const feedAppointmentRow = z.object({
  id: z.number(),
  appointment_date: z.string(),
  ends_at: z.string(),
  status: z.enum(APPOINTMENT_STATUSES),
  calendar_sequence: z.number(),
  appointment_type: z.string(),
  patient_first_name: z.string(),
  patient_last_name: z.string(),
});

export function insertCalendarFeed(db: CommonQueryMethods, feed: { dentistId: number; tokenHash: Buffer; shows: FeedShows[]; createdBy: number }) {
  return db.one(sql.type(calendarFeedRow)`
    insert into dentist_calendar_feeds (dentist_id, token_hash, shows, created_by)
    values (${feed.dentistId}, ${sql.binary(feed.tokenHash)}, ${sql.array(feed.shows, 'text')}, ${feed.createdBy})
    returning ${COLUMNS}`);
}

export function listCalendarFeeds(db: CommonQueryMethods, dentistId: number) {
  return db.any(sql.type(calendarFeedRow)`select ${COLUMNS} from dentist_calendar_feeds where dentist_id = ${dentistId} order by id`);
}

/** Revokes a feed of the dentist (again: no change); null when the dentist has no such feed. */
export function revokeCalendarFeed(db: CommonQueryMethods, dentistId: number, feedId: number) {
  return db.maybeOne(sql.type(calendarFeedRow)`
    update dentist_calendar_feeds set revoked_at = coalesce(revoked_at, now())
    where id = ${feedId} and dentist_id = ${dentistId}
    returning ${COLUMNS}`);
}

export function findLiveCalendarFeed(db: CommonQueryMethods, dentistId: number, tokenHash: Buffer) {
  return db.maybeOne(sql.type(calendarFeedRow)`
    select ${COLUMNS} from dentist_calendar_feeds
    where token_hash = ${sql.binary(tokenHash)} and dentist_id = ${dentistId} and revoked_at is null`);
}

/**
 * The dentist's appointments that hold their time, from a week ago on (a calendar keeps the recent
 * past in view), soonest first; cancelled ones and no-shows drop out of the feed, and so out of the calendar.
 */
export function feedAppointments(db: CommonQueryMethods, dentistId: number, limit: number) {
  return db.any(sql.type(feedAppointmentRow)`
    select a.id, a.appointment_date, a.ends_at, a.status, a.calendar_sequence, a.appointment_type,
           p.first_name as patient_first_name, p.last_name as patient_last_name
    from appointments a join patients p on p.id = a.patient_id
    where a.dentist_id = ${dentistId} and ${holdsTime('a')} and a.ends_at > now() - interval '7 days'
    order by a.appointment_date, a.id
    limit ${limit}`);
}
