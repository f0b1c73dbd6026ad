// What a message to a patient about an appointment is made of, read when it is sent (never carried in
// workflow history), and the notices of moves and cancellations, claimed once per change.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { idRow } from '../rows.js';
import { APPOINTMENT_STATUSES } from './appointments.js';

const messageDetailsRow = z.object({
  id: z.number(),
  appointment_date: z.string(),
  ends_at: z.string(),
  duration: z.number(),
  appointment_type: z.string(),
  status: z.enum(APPOINTMENT_STATUSES),
  calendar_sequence: z.number(),
  patient_first_name: z.string(),
  patient_email: z.string(),
  dentist_first_name: z.string(),
  dentist_last_name: z.string(),
});
export type AppointmentMessageDetails = z.infer<typeof messageDetailsRow>;

const noticeRow = z.object({
  id: z.number(), calendar_sequence: z.number(), kind: z.string(), channel: z.string(), status: z.string(), sent_at: z.string().nullable(), error: z.string().nullable(),
});

/** Only what a reminder shows: the patient's first name and address, the dentist, the time and type. */
export function findAppointmentMessageDetails(db: CommonQueryMethods, appointmentId: number) {
  return db.maybeOne(sql.type(messageDetailsRow)`
    select a.id, a.appointment_date, a.ends_at, a.duration, a.appointment_type, a.status, a.calendar_sequence,
           p.first_name as patient_first_name, p.email as patient_email, d.first_name as dentist_first_name, d.last_name as dentist_last_name
    from appointments a join patients p on p.id = a.patient_id join dentists d on d.id = a.dentist_id
    where a.id = ${appointmentId}`);
}

/**
 * Claims the notice of the appointment's change numbered `calendarSequence`; null when it was already
 * sent (a retry, a replay, a second change noticed by the same send). A failed attempt is claimed again.
 */
export function claimNotice(db: CommonQueryMethods, notice: { appointmentId: number; calendarSequence: number; kind: 'moved' | 'cancelled'; channel: 'email' | 'log' }) {
  return db.maybeOneFirst(sql.type(idRow)`
    insert into appointment_notices (appointment_id, calendar_sequence, kind, channel, status)
    values (${notice.appointmentId}, ${notice.calendarSequence}, ${notice.kind}, ${notice.channel}, 'sending')
    on conflict (appointment_id, calendar_sequence) do update set status = appointment_notices.status
      where appointment_notices.status in ('sending', 'failed')
    returning id`);
}

export async function finishNotice(db: CommonQueryMethods, id: number, outcome: { status: 'sent' | 'failed'; error?: string }) {
  await db.query(sql.unsafe`
    update appointment_notices set status = ${outcome.status}, sent_at = case when ${outcome.status} = 'sent' then now() end, error = ${outcome.error ?? null}
    where id = ${id}`);
}

export function listNotices(db: CommonQueryMethods, appointmentId: number) {
  return db.any(sql.type(noticeRow)`
    select id, calendar_sequence, kind, channel, status, sent_at, error from appointment_notices where appointment_id = ${appointmentId} order by id`);
}
