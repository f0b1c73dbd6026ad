// Appointment times live in PostgreSQL as instants (timestamptz). Staff type wall-clock times of the
// practice: an input without an offset is read in PRACTICE_TIME_ZONE, and times are shown back with
// that zone's offset. Plain Intl does the conversions; no date library is needed.

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(timeZone: string, instant: number) {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: String(parts.weekday).toLowerCase().slice(0, 3),
  };
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function offsetAt(timeZone: string, instant: number): number {
  const p = partsIn(timeZone, instant);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|([+-])(\d{2}):(\d{2}))?$/i;

/**
 * ISO 8601 with an offset as is; without one, as wall-clock time in `timeZone`. null if unreadable or
 * not on the calendar (Date would roll 2031-02-30 over to March 2nd).
 */
export function parseAppointmentTime(input: string, timeZone: string): Date | null {
  const match = TIME.exec(input.trim());
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const onCalendar = new Date(wall);
  if (onCalendar.getUTCDate() !== d || onCalendar.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59) return null;
  const [, , , , , , , fraction, offset, sign, offsetHours, offsetMinutes] = match;
  if (offset) {
    if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return null;
    const ahead = offset.toUpperCase() === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
    return new Date(wall + Math.round(Number(fraction ?? 0) * 1000) - ahead);
  }
  let instant = wall - offsetAt(timeZone, wall);
  instant = wall - offsetAt(timeZone, instant); // settle across a DST change
  const check = partsIn(timeZone, instant);
  if (check.day !== d || check.hour !== h || check.minute !== mi) return null; // a time skipped by DST
  return new Date(instant);
}

/**
 * A date (`2024-12-01`, that day's start) or a date and time (`2024-12-01T14:00:00`, read in
 * `timeZone` unless it carries an offset) as the practice's wall-clock time `2024-12-01T14:00:00`;
 * null if unreadable or not on the calendar.
 */
export function toPracticeWallClock(input: string, timeZone: string): string | null {
  const value = input.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value) ? `${value}T00:00:00` : null;
  }
  const instant = parseAppointmentTime(value, timeZone);
  return instant ? formatInZone(instant, timeZone).slice(0, 19) : null;
}

/** `2026-12-15T10:00:00+01:00`: the instant as wall-clock time of `timeZone`, with its offset. */
export function formatInZone(instant: string | number | Date, timeZone: string): string {
  const ms = new Date(instant).getTime();
  const p = partsIn(timeZone, ms);
  const offsetMinutes = Math.round(offsetAt(timeZone, ms) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export type WorkingHours = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', Array<[string, string]>>>;

/** Whether [start, start + minutes) lies inside one of the dentist's working intervals that day. */
export function withinWorkingHours(hours: WorkingHours | null, start: Date, minutes: number, timeZone: string): boolean {
  if (!hours) return true;
  const begin = partsIn(timeZone, start.getTime());
  const end = partsIn(timeZone, start.getTime() + minutes * 60_000);
  if (end.day !== begin.day && !(end.hour === 0 && end.minute === 0)) return false;
  const from = begin.hour * 60 + begin.minute;
  const to = end.day !== begin.day ? 24 * 60 : end.hour * 60 + end.minute;
  const toMinutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
  return (hours[begin.weekday as keyof WorkingHours] ?? []).some(([open, close]) => from >= toMinutes(open) && to <= toMinutes(close));
}

const spokenFormats = new Map<string, { day: Intl.DateTimeFormat; clock: Intl.DateTimeFormat }>();

/**
 * How a patient reads a time: `Monday, 15 December 2031 at 10:00 CET (Europe/Berlin)`, in the
 * practice's zone and naming it, so a patient travelling, or a mail client in another zone, is not misled.
 */
export function spokenTime(instant: string | number | Date, timeZone: string): { full: string; day: string; clock: string } {
  let formats = spokenFormats.get(timeZone);
  if (!formats) {
    formats = {
      day: new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full' }),
      clock: new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }),
    };
    spokenFormats.set(timeZone, formats);
  }
  const at = new Date(instant);
  const parts = formats.clock.formatToParts(at);
  const clock = parts.filter((part) => part.type === 'hour' || part.type === 'minute' || part.type === 'literal').map((part) => part.value).join('').trim();
  const zoneName = parts.find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
  const zone = zoneName === timeZone ? zoneName : `${zoneName} (${timeZone})`;
  return { full: `${formats.day.format(at)} at ${clock} ${zone}`, day: formats.day.format(at), clock };
}
