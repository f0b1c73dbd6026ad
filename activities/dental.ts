// Activities of the dental task queue: one database write or one message each. Booking and
// rescheduling run as local activities (milliseconds, and on the request path); reminders as
// normal activities (retried while the mail server may yet take them; a permanent refusal is final).
import { ApplicationFailure, log } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import { CheckExclusionConstraintViolationError } from 'slonik';
import { createPatientLinks } from '../core/dental/patient-links.js';
import { practiceOf } from '../core/dental/practice.js';
import {
  type Appointment,
  appointmentsOfDay,
  claimDigest,
  type AppointmentStatus,
  changeStatus,
  claimReminder,
  findAppointment,
  findOverlaps,
  finishReminder,
  insertAppointment,
  type NewAppointment,
  releaseDigest,
  type StatusChannel,
  updateAppointment,
  whyStatusUnchanged,
} from '../db/dental/appointments.js';
import { type AppointmentMessageDetails, claimNotice, findAppointmentMessageDetails, finishNotice } from '../db/dental/patient-messages.js';
import type { BookingRequest, RescheduleRequest } from '../workflows/appointment-contract.js';
import type { ActivityDeps } from './index.js';
import { composePatientMail, type PatientMailKind } from './patient-mail.js';

export interface ReminderRequest {
  appointmentId: number;
  offsetMinutes: number;
  scheduledFor: string;
}

/** What a reminder's activity did: a retry or replay of a sent reminder does nothing. */
export type ReminderOutcome = 'sent' | 'already_sent' | 'skipped';

/** What a notice's activity did: nothing to tell (the appointment is as the patient knows it), or sent once. */
export type NoticeOutcome = 'sent' | 'already_sent' | 'nothing_to_tell';

export function createDentalActivities({ pools, config }: ActivityDeps) {
  const db = pools.dental;
  const mailer = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : null;
  const practice = practiceOf(config);
  const links = createPatientLinks(config);
  // Dentists read the practice's wall-clock time, not UTC.
  const timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: config.PRACTICE_TIME_ZONE, timeStyle: 'short' });

  function refuseIfLate(respondBy: number) {
    if (Date.now() > respondBy) throw ApplicationFailure.nonRetryable('The request expired before it could run', 'RequestExpired');
  }

  /** Turns the database's double-booking refusal into a conflict the caller can show. */
  async function conflictFailure(slot: { patientId: number; dentistId: number; startsAt: string; duration: number; exceptId?: number }) {
    const conflicts = await findOverlaps(db, slot);
    return ApplicationFailure.create({ message: 'The dentist or the patient already has an appointment then', type: 'SlotConflict', nonRetryable: true, details: [conflicts] });
  }

  return {
    async bookAppointment(request: BookingRequest): Promise<Appointment> {
      refuseIfLate(request.respondBy);
      try {
        return await insertAppointment(db, { ...request, id: request.appointmentId });
      } catch (error) {
        if (error instanceof CheckExclusionConstraintViolationError) throw await conflictFailure(request);
        throw error;
      }
    },

    async rescheduleAppointment(appointmentId: number, request: RescheduleRequest): Promise<Appointment> {
      refuseIfLate(request.respondBy);
      try {
        const updated = await updateAppointment(db, appointmentId, request);
        if (!updated) throw ApplicationFailure.nonRetryable('No such appointment', 'NotFound');
        return updated;
      } catch (error) {
        if (!(error instanceof CheckExclusionConstraintViolationError)) throw error;
        const current = (await findAppointment(db, appointmentId))!;
        throw await conflictFailure({
          patientId: current.patient_id,
          dentistId: request.dentistId ?? current.dentist_id,
          startsAt: request.startsAt ?? current.appointment_date,
          duration: request.duration ?? current.duration,
          exceptId: appointmentId,
        });
      }
    },

    /**
     * `from` is the status the workflow's handler saw: two changes accepted together (a cancel and a
     * check-in) cannot both land, the second finds the first's status and is refused. The database's
     * clock decides whether the appointment's time allows the status (TooEarly, with when it will).
     */
    async setAppointmentStatus(appointmentId: number, status: AppointmentStatus, from: AppointmentStatus, respondBy?: number, channel: StatusChannel = 'staff'): Promise<Appointment> {
      if (respondBy !== undefined) refuseIfLate(respondBy);
      const updated = await changeStatus(db, appointmentId, from, status, config.PRACTICE_TIME_ZONE, channel);
      if (updated) return updated;
      const refusal = await whyStatusUnchanged(db, appointmentId, from, status, config.PRACTICE_TIME_ZONE);
      if (refusal.reason === 'gone') throw ApplicationFailure.nonRetryable('No such appointment', 'NotFound');
      if (refusal.reason === 'too_early') {
        throw ApplicationFailure.create({
          type: 'TooEarly',
          message: `This appointment cannot become ${status} before ${refusal.possibleFrom}`,
          details: [{ status, possibleFrom: refusal.possibleFrom }],
          nonRetryable: true,
        });
      }
      throw ApplicationFailure.create({ type: 'IllegalTransition', message: `This appointment became ${refusal.status} meanwhile; it cannot become ${status}`, nonRetryable: true });
    },

    /** Tomorrow's appointments to each dentist who has any (practice time zone), once per dentist and day. */
    async sendDailyDigests(): Promise<{ day: string; dentists: number; appointments: number }> {
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: config.PRACTICE_TIME_ZONE }).format(Date.now() + 24 * 3600_000);
      const agendas = await appointmentsOfDay(db, day, config.PRACTICE_TIME_ZONE);
      let dentists = 0;
      let appointments = 0;
      for (const agenda of agendas) {
        const channel = mailer && agenda.dentist_email ? 'email' : 'log';
        if (!(await claimDigest(db, { dentistId: agenda.dentist_id, day, count: agenda.appointments.length, channel }))) continue;
        const lines = agenda.appointments.map((item) => `${timeFormat.format(new Date(item.at))}  ${item.patient} (${item.type})`);
        if (channel === 'email') {
          try {
            await mailer!.sendMail({ from: config.SMTP_FROM, to: agenda.dentist_email!, subject: `Your appointments on ${day}`, text: lines.join('\n') });
          } catch (error) {
            await releaseDigest(db, { dentistId: agenda.dentist_id, day });
            throw error;
          }
        } else {
          log.info('daily digest recorded (no SMTP_URL or no dentist email)', { dentistId: agenda.dentist_id, day, appointments: lines.length });
        }
        dentists++;
        appointments += lines.length;
      }
      return { day, dentists, appointments };
    },

    /**
     * At most once per appointment × offset × time: the reminders row is claimed before sending. It is
     * skipped instead when, by the time it runs (a retry, a worker that was down), the appointment
     * was cancelled, moved or has begun: the workflow's timer fired for the appointment as it was.
     */
    async sendReminder(reminder: ReminderRequest): Promise<ReminderOutcome> {
      const reminderId = await claimReminder(db, { ...reminder, channel: mailer ? 'email' : 'log' });
      if (reminderId === null) return 'already_sent';
      try {
        const appointment = await findAppointmentMessageDetails(db, reminder.appointmentId);
        const startsAt = appointment ? Date.parse(appointment.appointment_date) : NaN;
        const reason =
          !appointment || !['scheduled', 'confirmed'].includes(appointment.status) ? `the appointment is ${appointment?.status ?? 'gone'}`
          : startsAt !== Date.parse(reminder.scheduledFor) + reminder.offsetMinutes * 60_000 ? 'the appointment was moved'
          : startsAt <= Date.now() ? 'the appointment has begun'
          : null;
        if (reason) {
          await finishReminder(db, reminderId, { status: 'skipped', error: reason });
          return 'skipped';
        }
        await mailPatient('reminder', appointment!, reminder);
        await finishReminder(db, reminderId, { status: 'sent' });
        return 'sent';
      } catch (error) {
        await finishReminder(db, reminderId, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },

    /**
     * Tells a patient who already has the appointment in their calendar (a reminder reached them) that
     * it moved or was cancelled, with the entry that updates or removes it. Once per change: the
     * notice is claimed under the appointment's calendar sequence, read now, so several changes in
     * quick succession are one notice of where the appointment ended up.
     */
    async sendAppointmentNotice({ appointmentId }: { appointmentId: number }): Promise<NoticeOutcome> {
      const appointment = await findAppointmentMessageDetails(db, appointmentId);
      if (!appointment || appointment.calendar_sequence === 0 || !['scheduled', 'confirmed', 'cancelled'].includes(appointment.status)) return 'nothing_to_tell';
      const kind = appointment.status === 'cancelled' ? 'cancelled' : 'moved';
      const noticeId = await claimNotice(db, { appointmentId, calendarSequence: appointment.calendar_sequence, kind, channel: mailer ? 'email' : 'log' });
      if (noticeId === null) return 'already_sent';
      try {
        await mailPatient(kind, appointment, { appointmentId, calendarSequence: appointment.calendar_sequence });
        await finishNotice(db, noticeId, { status: 'sent' });
        return 'sent';
      } catch (error) {
        await finishNotice(db, noticeId, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },
  };

  /** Sends the mail, or without SMTP_URL records that it would have gone (ids only: the log is no place for health data). */
  async function mailPatient(kind: PatientMailKind, appointment: AppointmentMessageDetails, logged: object) {
    if (!mailer) {
      log.info(`${kind} recorded (no SMTP_URL configured)`, { kind, ...logged });
      return;
    }
    const mail = composePatientMail(kind, appointment, practice, links);
    try {
      await mailer.sendMail({ from: config.SMTP_FROM, to: appointment.patient_email, ...mail });
    } catch (error) {
      throw asSmtpFailure(error) ?? error;
    }
  }
}

/**
 * The mail server's answer, kept as its code only (its own text may quote the patient's address, and
 * it is recorded with the reminder). A 5xx (no such mailbox, refused as spam, …) will not change on a
 * retry: final at once. A 4xx is worth the retries.
 */
function asSmtpFailure(error: unknown): ApplicationFailure | null {
  const code = (error as { responseCode?: unknown }).responseCode;
  if (typeof code !== 'number') return null;
  if (code >= 500) return ApplicationFailure.create({ type: 'MailRefused', message: `The mail server refused the message for good (SMTP ${code})`, nonRetryable: true });
  return ApplicationFailure.create({ type: 'MailDeferred', message: `The mail server could not take the message now (SMTP ${code})` });
}

export type DentalActivities = ReturnType<typeof createDentalActivities>;
