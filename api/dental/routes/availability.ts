// Open slots: what staff offer a patient on the phone. Every slot listed is one the booking endpoint
// accepts for the dentist (see api/dental/availability.ts for what "free" means).
import { z } from 'zod';
import { formatInZone, type WorkingHours } from '../../../core/dental/time.js';
import { dentistBusyTimes } from '../../../db/dental/appointments.js';
import { findDentist } from '../../../db/dental/dentists.js';
import { invalidFields, notFound } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { daysFrom, freeSlots } from '../availability.js';
import type { DentalContext } from '../services.js';

/** The longest span one request may ask about. */
const LONGEST_SPAN_DAYS = 31;
const DAY_MS = 24 * 3600_000;

const slotView = z.object({
  start: z.string().describe('In the practice time zone, with its offset: send it as appointment_date to book'),
  end: z.string(),
});
const availabilityQuery = z.object({
  dentist_id: fields.id,
  date: fields.date.optional().describe('One day; or give from (and to). Neither: today'),
  from: fields.date.optional(),
  to: fields.date.optional().describe('Inclusive; defaults to six days after from (a week)'),
  duration: z.coerce.number().int().min(5, 'must be at least 5 minutes').max(480, 'must be at most 480 minutes').default(30),
});
const availabilityView = z.object({
  dentist_id: z.number(),
  duration: z.number().int(),
  time_zone: z.string(),
  from: z.string().describe('First day asked about (YYYY-MM-DD, practice time zone)'),
  to: z.string().describe('Last day asked about'),
  slots: z.array(slotView),
});

/** The days asked about, first and last (YYYY-MM-DD): one day, a span, or today in the practice's zone. */
function daysAskedAbout(query: z.output<typeof availabilityQuery>, timeZone: string) {
  if (query.date && (query.from || query.to)) throw invalidFields({ date: ['give either date, or from (and to)'] });
  if (query.to && !query.from) throw invalidFields({ from: ['give from with to'] });
  const day = query.date ?? (query.from ? undefined : new Intl.DateTimeFormat('en-CA', { timeZone }).format(Date.now()));
  const first = day ?? query.from!;
  const last = day ?? query.to ?? new Date(Date.parse(`${first}T00:00:00Z`) + 6 * DAY_MS).toISOString().slice(0, 10);
  if (last < first) throw invalidFields({ to: ['must not be before from'] });
  const days = daysFrom(first, last, LONGEST_SPAN_DAYS + 1);
  if (days.length > LONGEST_SPAN_DAYS) throw invalidFields({ to: [`must be at most ${LONGEST_SPAN_DAYS} days after from`] });
  return { first, last, days };
}

async function showAvailability({ services: { pool, practice }, query }: DentalContext<{ access: 'staff'; query: typeof availabilityQuery }>) {
  const zone = practice.timeZone;
  const { first, last, days } = daysAskedAbout(query, zone);
  const dentist = await findDentist(pool, query.dentist_id);
  if (!dentist) throw notFound('No such dentist');
  if (!dentist.is_active) throw invalidFields({ dentist_id: ['this dentist is deactivated'] });
  // Wide enough for any zone's offset: the slots themselves are placed exactly.
  const busy = await dentistBusyTimes(
    pool,
    dentist.id,
    new Date(Date.parse(`${first}T00:00:00Z`) - 2 * DAY_MS).toISOString(),
    new Date(Date.parse(`${last}T00:00:00Z`) + 3 * DAY_MS).toISOString(),
  );
  const slots = freeSlots({ hours: dentist.working_hours as WorkingHours | null, busy, days, minutes: query.duration, timeZone: zone, after: Date.now() });
  return {
    dentist_id: dentist.id,
    duration: query.duration,
    time_zone: zone,
    from: first,
    to: last,
    slots: slots.map((slot) => ({ start: formatInZone(slot.start, zone), end: formatInZone(slot.end, zone) })),
  };
}

export const availabilityRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/dental/availability',
    summary: 'A dentist’s free start times on a day (today unless given; or from/to, up to 31 days), in the practice’s time zone',
    description:
      'Slots of `duration` minutes, laid from the start of each of the dentist’s working intervals (the gaps between intervals are breaks), without those overlapping an appointment that holds its time, and only in the future. A dentist without working hours takes appointments at any time. Every slot listed can be booked with POST /api/dental/appointments.',
    access: 'staff',
    query: availabilityQuery,
    responses: { 200: { description: 'The free slots, earliest first', schema: availabilityView } },
    example: { query: { dentist_id: 3, date: '2030-12-16', duration: 30 } },
    handler: showAvailability,
  }),
];
