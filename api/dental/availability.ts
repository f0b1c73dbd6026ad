// A dentist's free start times: their working intervals of each day (the gaps between intervals are
// their breaks), cut into slots of the asked length from the start of each interval, without those
// that overlap an appointment holding its time. "Free" is what booking accepts: the same
// `withinWorkingHours` check, and the busy times the database's exclusion constraint compares with.
// Intervals are read as the practice's wall-clock times and then walked in real time, so a day on
// which the clocks change has its true number of slots, each shown with the offset it has.
import { parseAppointmentTime, type WorkingHours, withinWorkingHours } from '../../core/dental/time.js';

export interface Slot {
  start: Date;
  end: Date;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MINUTE = 60_000;

/** `2031-03-30` and the following days through `last`, as dates (never more than `limit`). */
export function daysFrom(first: string, last: string, limit: number): string[] {
  const days: string[] = [];
  for (let day = Date.parse(`${first}T00:00:00Z`); day <= Date.parse(`${last}T00:00:00Z`) && days.length < limit; day += 24 * 3600_000) {
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * The first instant at or after the wall-clock time `clock` (HH:MM, up to 24:00) of `day` in
 * `timeZone`: a time the clocks skip (02:30 on the night they spring forward) opens when they resume.
 */
function instantOf(day: string, clock: string, timeZone: string): number {
  let minutes = Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
  let date = day;
  if (minutes >= 24 * 60) {
    date = new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 3600_000).toISOString().slice(0, 10);
    minutes -= 24 * 60;
  }
  for (let skipped = 0; skipped <= 24 * 60; skipped++) {
    const wall = minutes + skipped;
    const instant = parseAppointmentTime(`${date}T${String(Math.floor(wall / 60)).padStart(2, '0')}:${String(wall % 60).padStart(2, '0')}`, timeZone);
    if (instant) return instant.getTime();
  }
  throw new Error(`${date} ${clock} is not a time in ${timeZone}`);
}

export function freeSlots(options: {
  hours: WorkingHours | null;
  busy: ReadonlyArray<{ appointment_date: string; ends_at: string }>;
  days: string[];
  minutes: number;
  timeZone: string;
  /** Slots must start after this (epoch ms): booking refuses the past. */
  after: number;
}): Slot[] {
  const { hours, days, minutes, timeZone } = options;
  const busy = options.busy.map((appointment) => [Date.parse(appointment.appointment_date), Date.parse(appointment.ends_at)] as const);
  const slots: Slot[] = [];
  for (const day of days) {
    // No working hours recorded: the dentist takes appointments at any time, as booking allows.
    const intervals = hours ? (hours[WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()]!] ?? []) : [['00:00', '24:00'] as [string, string]];
    for (const [open, close] of intervals) {
      const closesAt = instantOf(day, close, timeZone);
      for (let start = instantOf(day, open, timeZone); start + minutes * MINUTE <= closesAt; start += minutes * MINUTE) {
        const end = start + minutes * MINUTE;
        if (start <= options.after) continue;
        if (!withinWorkingHours(hours, new Date(start), minutes, timeZone)) continue;
        if (busy.some(([from, to]) => from < end && start < to)) continue;
        slots.push({ start: new Date(start), end: new Date(end) });
      }
    }
  }
  return slots;
}
