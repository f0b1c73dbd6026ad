// Queries on appointments. Double booking is impossible in the database itself: exclusion
// constraints on (dentist, time range) and (patient, time range) for active appointments.
import { type CommonQueryMethods, type FragmentSqlToken, sql } from 'slonik';
import { z } from 'zod';
import { countRow, idRow } from '../rows.js';

const busyRow = z.object({ appointment_date: z.string(), ends_at: z.string() });
const reminderRow = z.object({
  id: z.number(), appointment_id: z.number(), offset_minutes: z.number(), scheduled_for: z.string(),
  channel: z.string(), status: z.string(), sent_at: z.string().nullable(), error: z.string().nullable(),
});
const agendaRow = z.object({
  dentist_id: z.number(), dentist_email: z.string().nullable(), dentist_name: z.string(),
  appointments: z.array(z.object({ at: z.string(), patient: z.string(), type: z.string() })),
});

export const APPOINTMENT_STATUSES = ['scheduled', 'confirmed', 'checked_in', 'completed', 'no_show', 'cancelled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
export const ACTIVE_STATUSES: AppointmentStatus[] = ['scheduled', 'confirmed', 'checked_in'];

/**
 * The appointments that hold their time: exactly the rows the exclusion constraints compare (see
 * 001_practice.sql), and those care can be recorded against. `table`: its name or alias in the query.
 */
export const holdsTime = (table = 'appointments') => sql.fragment`${sql.identifier([table, 'status'])} not in ('cancelled', 'no_show')`;

export const appointmentRow = z.object({
  id: z.number(),
  patient_id: z.number(),
  dentist_id: z.number(),
  appointment_date: z.string(),
  ends_at: z.string(),
  duration: z.number(),
  appointment_type: z.string(),
  status: z.enum(APPOINTMENT_STATUSES),
  reason: z.string().nullable(),
  notes: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Appointment = z.infer<typeof appointmentRow>;

const COLUMNS = sql.fragment`id, patient_id, dentist_id, appointment_date, ends_at, duration, appointment_type, status, reason, notes, created_at, updated_at`;

/** A patient's or a dentist's name as stored; the API forms "Jane Doe" and "Dr. Ana Smith" from it. */
export const personName = z.object({ first_name: z.string(), last_name: z.string() });
export type PersonName = z.infer<typeof personName>;
/** An appointment with who it is for and with, joined in the same query (a list costs no extra lookups). */
export const appointmentWithPartiesRow = appointmentRow.extend({ patient: personName, dentist: personName });
export type AppointmentWithParties = z.infer<typeof appointmentWithPartiesRow>;
const WITH_PARTIES = sql.fragment`
  a.id, a.patient_id, a.dentist_id, a.appointment_date, a.ends_at, a.duration, a.appointment_type, a.status, a.reason, a.notes,
  a.created_at, a.updated_at,
  jsonb_build_object('first_name', p.first_name, 'last_name', p.last_name) as patient,
  jsonb_build_object('first_name', d.first_name, 'last_name', d.last_name) as dentist
  from appointments a join patients p on p.id = a.patient_id join dentists d on d.id = a.dentist_id`;

export function nextAppointmentId(db: CommonQueryMethods) {
  return db.oneFirst(sql.type(idRow)`select nextval(pg_get_serial_sequence('appointments', 'id'))::bigint as id`);
}

export interface NewAppointment {
  id: number;
  patientId: number;
  dentistId: number;
  startsAt: string;
  duration: number;
  appointmentType: string;
  reason: string | null;
  notes: string | null;
}

/** Idempotent: running it again for the same id returns the row already written. */
export function insertAppointment(db: CommonQueryMethods, appointment: NewAppointment) {
  return db.one(sql.type(appointmentRow)`
    with inserted as (
      insert into appointments (id, patient_id, dentist_id, appointment_date, duration, appointment_type, reason, notes)
      values (${appointment.id}, ${appointment.patientId}, ${appointment.dentistId}, ${appointment.startsAt}, ${appointment.duration},
              ${appointment.appointmentType}, ${appointment.reason}, ${appointment.notes})
      on conflict (id) do nothing
      returning ${COLUMNS}
    )
    select * from inserted
    union all
    select ${COLUMNS} from appointments where id = ${appointment.id} and not exists (select 1 from inserted)`);
}

/**
 * The dentist's appointments that hold their time in [from, to): exactly those the exclusion
 * constraint `appointments_dentist_no_overlap` compares a booking with, so a time free here is free
 * to book.
 */
export function dentistBusyTimes(db: CommonQueryMethods, dentistId: number, from: string, to: string) {
  return db.any(sql.type(busyRow)`
    select appointment_date, ends_at from appointments
    where dentist_id = ${dentistId} and ${holdsTime()}
      and tstzrange(appointment_date, ends_at, '[)') && tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)')
    order by appointment_date`);
}

/**
 * The dentist's or the patient's appointments that hold time overlapping [start, start + minutes), other
 * than `exceptId`: what a refused booking collided with (one completed early still holds its slot).
 */
export function findOverlaps(
  db: CommonQueryMethods,
  slot: { patientId: number; dentistId: number; startsAt: string; duration: number; exceptId?: number },
) {
  return db.any(sql.type(appointmentRow.pick({ id: true, patient_id: true, dentist_id: true, appointment_date: true, ends_at: true, status: true }))`
    select id, patient_id, dentist_id, appointment_date, ends_at, status from appointments
    where ${holdsTime()}
      and (dentist_id = ${slot.dentistId} or patient_id = ${slot.patientId})
      and tstzrange(appointment_date, ends_at, '[)') &&
          tstzrange(${slot.startsAt}::timestamptz, ${slot.startsAt}::timestamptz + make_interval(mins => ${slot.duration}), '[)')
      and id <> ${slot.exceptId ?? -1}
    order by appointment_date`);
}

/**
 * Everything but the status, which only `changeStatus` writes (its clock rules hold for every writer).
 * A change of time, length or dentist counts in `calendar_sequence`, so calendar entries follow it.
 */
export function updateAppointment(
  db: CommonQueryMethods,
  id: number,
  changes: Partial<{ startsAt: string; duration: number; dentistId: number; appointmentType: string; reason: string | null; notes: string | null }>,
) {
  return db.maybeOne(sql.type(appointmentRow)`
    update appointments set
      appointment_date = coalesce(${changes.startsAt ?? null}::timestamptz, appointment_date),
      duration = coalesce(${changes.duration ?? null}::int, duration),
      dentist_id = coalesce(${changes.dentistId ?? null}::bigint, dentist_id),
      appointment_type = coalesce(${changes.appointmentType ?? null}, appointment_type),
      reason = case when ${changes.reason !== undefined} then ${changes.reason ?? null} else reason end,
      notes = case when ${changes.notes !== undefined} then ${changes.notes ?? null} else notes end,
      calendar_sequence = calendar_sequence + case
        when (coalesce(${changes.startsAt ?? null}::timestamptz, appointment_date), coalesce(${changes.duration ?? null}::int, duration),
              coalesce(${changes.dentistId ?? null}::bigint, dentist_id)) is distinct from (appointment_date, duration, dentist_id)
        then 1 else 0 end,
      updated_at = now()
    where id = ${id}
    returning ${COLUMNS}`);
}

/**
 * The first instant at which an appointment starting at `startsAt` may take `status`, or null when
 * the clock does not matter: a patient is checked in (and treated) on the appointment's day in the
 * practice's time zone, and is a no-show only once it has begun. Otherwise an appointment years
 * ahead could be closed today and count in the no-show rate.
 */
function earliestInstant(status: AppointmentStatus, startsAt: FragmentSqlToken, timeZone: string) {
  if (status === 'no_show') return startsAt;
  if (status === 'checked_in' || status === 'completed') {
    // Local midnight of its day; `at time zone` also finds it on a day whose midnight DST skips.
    return sql.fragment`(date_trunc('day', ${startsAt} at time zone ${timeZone}) at time zone ${timeZone})`;
  }
  return null;
}

const possibleFromRow = z.object({ possible_from: z.string().nullable() });

/**
 * When an appointment starting at `startsAt` may take `status`, if that is still ahead by the
 * database's clock; null when it may now. The clock is PostgreSQL's, one for the API and the worker.
 */
export async function statusPossibleFrom(db: CommonQueryMethods, status: AppointmentStatus, startsAt: string, timeZone: string) {
  const earliest = earliestInstant(status, sql.fragment`${startsAt}::timestamptz`, timeZone);
  if (!earliest) return null;
  return db.oneFirst(sql.type(possibleFromRow)`
    select case when now() < earliest then earliest end as possible_from from (select ${earliest} as earliest) clock`);
}

/** Who changed a status: staff through the API, or the patient through a link in a reminder. */
export type StatusChannel = 'staff' | 'patient_link';

/**
 * Moves an appointment from `from` to `to`; null when it is not (or no longer) `from`, or when the
 * database's clock does not allow `to` yet (`statusPossibleFrom` tells when it will). Every status
 * change, through the appointment's workflow or after it ended, is this one statement, which also
 * records it with its channel and counts a cancellation in the calendar sequence.
 */
export function changeStatus(db: CommonQueryMethods, id: number, from: AppointmentStatus, to: AppointmentStatus, timeZone: string, channel: StatusChannel = 'staff') {
  const earliest = earliestInstant(to, sql.fragment`appointment_date`, timeZone);
  return db.maybeOne(sql.type(appointmentRow)`
    with changed as (
      update appointments set status = ${to}, updated_at = now(),
        calendar_sequence = calendar_sequence + case when ${to} = 'cancelled' then 1 else 0 end
      where id = ${id} and status = ${from} ${earliest ? sql.fragment`and now() >= ${earliest}` : sql.fragment``}
      returning ${COLUMNS}
    ), recorded as (
      insert into appointment_status_changes (appointment_id, from_status, to_status, channel)
      select id, ${from}, ${to}, ${channel} from changed
    )
    select * from changed`);
}

const statusChangeRow = z.object({ from_status: z.string(), to_status: z.string(), channel: z.string(), changed_at: z.string() });

/** An appointment's status changes, oldest first: who confirmed or cancelled it, and when. */
export function listStatusChanges(db: CommonQueryMethods, appointmentId: number) {
  return db.any(sql.type(statusChangeRow)`
    select from_status, to_status, channel, changed_at from appointment_status_changes where appointment_id = ${appointmentId} order by id`);
}

export type StatusRefusal = { reason: 'gone' } | { reason: 'changed'; status: AppointmentStatus } | { reason: 'too_early'; possibleFrom: string };

/** Why `changeStatus` changed nothing, read right after it. */
export async function whyStatusUnchanged(db: CommonQueryMethods, id: number, from: AppointmentStatus, to: AppointmentStatus, timeZone: string): Promise<StatusRefusal> {
  const current = await findAppointment(db, id);
  if (!current) return { reason: 'gone' };
  if (current.status === from) {
    const possibleFrom = await statusPossibleFrom(db, to, current.appointment_date, timeZone);
    if (possibleFrom) return { reason: 'too_early', possibleFrom };
  }
  return { reason: 'changed', status: current.status };
}

export function findAppointment(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(appointmentRow)`select ${COLUMNS} from appointments where id = ${id}`);
}

export function findAppointmentWithParties(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(appointmentWithPartiesRow)`select ${WITH_PARTIES} where a.id = ${id}`);
}

export async function listAppointments(
  db: CommonQueryMethods,
  filter: { from?: string; to?: string; patientId?: number; dentistId?: number; status?: AppointmentStatus; page: number; perPage: number },
) {
  const conditions = [sql.fragment`true`];
  if (filter.from) conditions.push(sql.fragment`a.appointment_date >= ${filter.from}::timestamptz`);
  if (filter.to) conditions.push(sql.fragment`a.appointment_date < ${filter.to}::timestamptz`);
  if (filter.patientId) conditions.push(sql.fragment`a.patient_id = ${filter.patientId}`);
  if (filter.dentistId) conditions.push(sql.fragment`a.dentist_id = ${filter.dentistId}`);
  if (filter.status) conditions.push(sql.fragment`a.status = ${filter.status}`);
  const where = sql.join(conditions, sql.fragment` and `);
  const [appointments, total] = await Promise.all([
    db.any(sql.type(appointmentWithPartiesRow)`select ${WITH_PARTIES} where ${where}
      order by a.appointment_date, a.id limit ${filter.perPage} offset ${(filter.page - 1) * filter.perPage}`),
    db.oneFirst(sql.type(countRow)`select count(*)::int as count from appointments a where ${where}`),
  ]);
  return { appointments, total };
}

/** A patient's next active appointments, soonest first. */
export function upcomingAppointmentsOfPatient(db: CommonQueryMethods, patientId: number, limit: number) {
  return db.any(sql.type(appointmentWithPartiesRow)`select ${WITH_PARTIES}
    where a.patient_id = ${patientId} and a.ends_at > now() and a.status in ('scheduled', 'confirmed', 'checked_in')
    order by a.appointment_date, a.id limit ${limit}`);
}

/**
 * Claims the reminder row; null when this reminder was already sent or skipped (a retry, a replay).
 * A failed attempt is claimed again: its retry must still send.
 */
export function claimReminder(db: CommonQueryMethods, reminder: { appointmentId: number; offsetMinutes: number; scheduledFor: string; channel: 'email' | 'log' }) {
  return db.maybeOneFirst(sql.type(idRow)`
    insert into reminders (appointment_id, offset_minutes, scheduled_for, channel, status)
    values (${reminder.appointmentId}, ${reminder.offsetMinutes}, ${reminder.scheduledFor}, ${reminder.channel}, 'sending')
    on conflict (appointment_id, offset_minutes, scheduled_for) do update set status = reminders.status
      where reminders.status in ('sending', 'failed')
    returning id`);
}

export async function finishReminder(db: CommonQueryMethods, id: number, outcome: { status: 'sent' | 'failed' | 'skipped'; error?: string }) {
  await db.query(sql.unsafe`
    update reminders set status = ${outcome.status}, sent_at = case when ${outcome.status} = 'sent' then now() end, error = ${outcome.error ?? null}
    where id = ${id}`);
}

export function listReminders(db: CommonQueryMethods, appointmentId: number) {
  return db.any(sql.type(reminderRow)`select id, appointment_id, offset_minutes, scheduled_for, channel, status, sent_at, error
      from reminders where appointment_id = ${appointmentId} order by scheduled_for`);
}

/** Per active dentist: the active appointments of one practice-local day, with patient names. */
export function appointmentsOfDay(db: CommonQueryMethods, day: string, timeZone: string) {
  return db.any(sql.type(agendaRow)`
    select d.id as dentist_id, d.email as dentist_email, d.first_name || ' ' || d.last_name as dentist_name,
           jsonb_agg(jsonb_build_object('at', a.appointment_date, 'patient', p.first_name || ' ' || p.last_name, 'type', a.appointment_type)
                     order by a.appointment_date) as appointments
    from appointments a
    join dentists d on d.id = a.dentist_id and d.is_active
    join patients p on p.id = a.patient_id
    where a.status in ('scheduled', 'confirmed')
      and a.appointment_date >= (${day}::date::timestamp at time zone ${timeZone})
      and a.appointment_date < ((${day}::date + 1)::timestamp at time zone ${timeZone})
    group by d.id`);
}

/** Gives a claimed digest back after its mail failed, so the activity's retry sends it. */
export async function releaseDigest(db: CommonQueryMethods, digest: { dentistId: number; day: string }) {
  await db.query(sql.unsafe`delete from dentist_digests where dentist_id = ${digest.dentistId} and digest_date = ${digest.day}::date`);
}

/** Claims a dentist's digest of a day; false when it was already sent. */
export async function claimDigest(db: CommonQueryMethods, digest: { dentistId: number; day: string; count: number; channel: 'email' | 'log' }) {
  const claimed = await db.maybeOneFirst(sql.type(idRow)`
    insert into dentist_digests (dentist_id, digest_date, appointment_count, channel)
    values (${digest.dentistId}, ${digest.day}::date, ${digest.count}, ${digest.channel})
    on conflict (dentist_id, digest_date) do nothing
    returning id`);
  return claimed !== null;
}
