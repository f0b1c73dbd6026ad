// Appointments. Every change that can collide with another booking goes through the appointment's
// workflow, which writes it; PostgreSQL's exclusion constraints make double booking impossible.
import { z } from 'zod';
import { formatInZone, parseAppointmentTime, type WorkingHours, withinWorkingHours } from '../../../core/dental/time.js';
import {
  type Appointment,
  APPOINTMENT_STATUSES,
  type AppointmentStatus,
  changeStatus,
  findAppointment,
  findAppointmentWithParties,
  listAppointments,
  listReminders,
  listStatusChanges,
  nextAppointmentId,
  statusPossibleFrom,
  updateAppointment,
  whyStatusUnchanged,
} from '../../../db/dental/appointments.js';
import { findDentist } from '../../../db/dental/dentists.js';
import { listNotices } from '../../../db/dental/patient-messages.js';
import { findPatient } from '../../../db/dental/patients.js';
import { isFinal, STATUS_TRANSITIONS } from '../../../workflows/appointment-contract.js';
import { ApiError, invalidFields, notFound } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { appointmentView } from '../present.js';
import type { DentalContext, DentalServices } from '../services.js';
import { statusTooEarly } from '../status-timing.js';
import { AppointmentWorkflowEnded, appointmentWorkflowId } from '../workflow-client.js';

const idParams = z.object({ id: fields.id });
const statusChangeView = z.object({
  from_status: z.string(),
  to_status: z.string(),
  channel: z.enum(['staff', 'patient_link']).describe('staff: through this API; patient_link: the patient, through a link in a reminder'),
  changed_at: z.string().describe('In the practice time zone, with its offset'),
});
const appointmentAnswer = z.object({ message: z.string(), appointment: appointmentView });
const duration = z.coerce.number().int().min(5, 'must be at least 5 minutes').max(480, 'must be at most 480 minutes');
const newAppointment = z.object({
  patient_id: fields.id,
  dentist_id: fields.id,
  appointment_date: z.string().max(40),
  duration: duration.default(30),
  appointment_type: z.string().trim().min(1).max(100).default('checkup'),
  reason: z.string().trim().max(2000).nullable().optional(),
  notes: z.string().trim().max(5000).nullable().optional(),
});
const appointmentSearch = z.object({
  date_from: z.string().max(40).optional(),
  date_to: z.string().max(40).optional(),
  patient_id: fields.id.optional(),
  dentist_id: fields.id.optional(),
  status: z.enum(APPOINTMENT_STATUSES).optional(),
  page: fields.page,
  per_page: fields.perPage(200, 50),
});
const appointmentChanges = z.object({
  appointment_date: z.string().max(40).optional(),
  duration: duration.optional(),
  dentist_id: fields.id.optional(),
  status: z.enum(APPOINTMENT_STATUSES).optional(),
  appointment_type: z.string().trim().min(1).max(100).optional(),
  reason: z.string().trim().max(2000).nullable().optional(),
  notes: z.string().trim().max(5000).nullable().optional(),
});

/** A time staff typed for an appointment: read in the practice's zone unless it has an offset, and in the future. */
function futureTime(value: string, timeZone: string, field = 'appointment_date'): Date {
  const instant = parseAppointmentTime(value, timeZone);
  if (!instant) throw invalidFields({ [field]: [`must be a date and time such as 2026-12-15T10:00 (read in ${timeZone}) or with an offset`] });
  if (instant.getTime() <= Date.now()) throw invalidFields({ [field]: ['must be in the future'] });
  return instant;
}

/** One end of a listing's time window: a day (its start) or a date and time, in the practice's zone. */
function windowBound(value: string | undefined, field: string, timeZone: string): string | undefined {
  if (!value) return undefined;
  const instant = parseAppointmentTime(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00` : value, timeZone);
  if (!instant) throw invalidFields({ [field]: ['must be a date (YYYY-MM-DD) or date and time'] });
  return instant.toISOString();
}

/** A completed, cancelled or no-show appointment is history: its workflow has ended too. */
function requireOpen(appointment: Appointment, wanted: string) {
  if (isFinal(appointment.status)) throw new ApiError(409, 'illegal_transition', `This appointment is ${appointment.status}; it cannot ${wanted}`);
}

function requireTransition(appointment: Appointment, status: AppointmentStatus) {
  requireOpen(appointment, `become ${status}`);
  if (!STATUS_TRANSITIONS[appointment.status].includes(status)) {
    throw new ApiError(409, 'illegal_transition', `An appointment cannot go from ${appointment.status} to ${status}`);
  }
}

/**
 * Through the appointment's workflow, which stops or keeps its reminders. Once that workflow has
 * ended there is nothing left to remind of, and the status (completed, no-show, …) is recorded in
 * the database directly, only if nobody changed it meanwhile.
 */
async function setStatus({ pool, practice, workflows }: DentalServices, appointment: Appointment, status: AppointmentStatus): Promise<Appointment> {
  const zone = practice.timeZone;
  try {
    return await workflows.setStatus(appointment.id, status);
  } catch (error) {
    if (!(error instanceof AppointmentWorkflowEnded)) throw error;
    const changed = await changeStatus(pool, appointment.id, appointment.status, status, zone);
    if (changed) return changed;
    const refusal = await whyStatusUnchanged(pool, appointment.id, appointment.status, status, zone);
    if (refusal.reason === 'too_early') throw statusTooEarly(status, refusal.possibleFrom, zone);
    throw new ApiError(409, 'illegal_transition', 'This appointment was changed meanwhile; read it again');
  }
}

/**
 * Checked before anything is written, for the time the appointment will have; the database checks
 * again as it writes (its clock, a reschedule in between).
 */
async function requireTimely({ pool, practice }: DentalServices, status: AppointmentStatus, startsAt: Date) {
  const possibleFrom = await statusPossibleFrom(pool, status, startsAt.toISOString(), practice.timeZone);
  if (possibleFrom) throw statusTooEarly(status, possibleFrom, practice.timeZone);
}

/** Rules the database cannot know: who exists and is active, and the dentist's hours. */
async function checkBookable({ pool, practice }: DentalServices, patientId: number, dentistId: number, startsAt: Date, minutes: number) {
  const [patient, dentist] = await Promise.all([findPatient(pool, patientId), findDentist(pool, dentistId)]);
  const problems: Record<string, string[]> = {};
  if (!patient) problems.patient_id = ['no such patient'];
  else if (!patient.is_active) problems.patient_id = ['this patient is deactivated'];
  if (!dentist) problems.dentist_id = ['no such dentist'];
  else if (!dentist.is_active) problems.dentist_id = ['this dentist is deactivated'];
  else if (!withinWorkingHours(dentist.working_hours as WorkingHours | null, startsAt, minutes, practice.timeZone)) {
    problems.appointment_date = [`is outside Dr. ${dentist.last_name}'s working hours`];
  }
  if (Object.keys(problems).length) throw invalidFields(problems);
  return { patient: patient!, dentist: dentist! };
}

async function bookAppointment({ services, body, event }: DentalContext<{ access: 'staff'; body: typeof newAppointment }>) {
  const { pool, practice, presenter, workflows } = services;
  const startsAt = futureTime(body.appointment_date, practice.timeZone);
  const { patient, dentist } = await checkBookable(services, body.patient_id, body.dentist_id, startsAt, body.duration);
  const appointmentId = await nextAppointmentId(pool);
  const appointment = await workflows.book({
    appointmentId,
    patientId: body.patient_id,
    dentistId: body.dentist_id,
    startsAt: startsAt.toISOString(),
    duration: body.duration,
    appointmentType: body.appointment_type,
    reason: body.reason ?? null,
    notes: body.notes ?? null,
  });
  event.res.status = 201;
  return { message: 'Appointment booked successfully', appointment: presenter.appointment({ ...appointment, patient, dentist }), workflow_id: appointmentWorkflowId(appointmentId) };
}

async function findAppointments({ services: { pool, practice, presenter }, query }: DentalContext<{ access: 'staff'; query: typeof appointmentSearch }>) {
  const { appointments, total } = await listAppointments(pool, {
    from: windowBound(query.date_from, 'date_from', practice.timeZone),
    to: windowBound(query.date_to, 'date_to', practice.timeZone),
    patientId: query.patient_id,
    dentistId: query.dentist_id,
    status: query.status,
    page: query.page,
    perPage: query.per_page,
  });
  return pageOf('appointments', appointments.map(presenter.appointment), total, query);
}

async function showAppointment({ services: { pool, practice, presenter }, params }: DentalContext<{ access: 'staff'; params: typeof idParams }>) {
  const appointment = await findAppointmentWithParties(pool, params.id);
  if (!appointment) throw notFound('No such appointment');
  const history = await listStatusChanges(pool, params.id);
  return { appointment: presenter.appointment(appointment), history: history.map((change) => ({ ...change, changed_at: formatInZone(change.changed_at, practice.timeZone) })) };
}

async function changeAppointment({ services, params, body }: DentalContext<{ access: 'staff'; params: typeof idParams; body: typeof appointmentChanges }>) {
  const { pool, practice, presenter, workflows } = services;
  const found = await findAppointmentWithParties(pool, params.id);
  if (!found) throw notFound('No such appointment');
  let { patient, dentist, ...appointment } = found;
  const reschedule = body.appointment_date !== undefined || body.duration !== undefined || body.dentist_id !== undefined;
  const newStatus = body.status !== undefined && body.status !== appointment.status ? body.status : undefined;
  // Every refusal before the first write, so a refused request changes nothing.
  if (reschedule) requireOpen(appointment, 'be rescheduled');
  if (newStatus) requireTransition(appointment, newStatus);
  const startsAt = body.appointment_date ? futureTime(body.appointment_date, practice.timeZone) : new Date(appointment.appointment_date);
  if (newStatus) await requireTimely(services, newStatus, startsAt);
  if (reschedule) {
    const minutes = body.duration ?? appointment.duration;
    ({ patient, dentist } = await checkBookable(services, appointment.patient_id, body.dentist_id ?? appointment.dentist_id, startsAt, minutes));
    appointment = await workflows.reschedule(params.id, { startsAt: startsAt.toISOString(), duration: minutes, dentistId: body.dentist_id });
  }
  if (newStatus) appointment = await setStatus(services, appointment, newStatus);
  if (body.appointment_type !== undefined || body.reason !== undefined || body.notes !== undefined) {
    appointment = (await updateAppointment(pool, params.id, { appointmentType: body.appointment_type, reason: body.reason, notes: body.notes }))!;
  }
  return { message: 'Appointment updated successfully', appointment: presenter.appointment({ ...appointment, patient, dentist }) };
}

async function cancelAppointment({ services, params }: DentalContext<{ access: 'staff'; params: typeof idParams }>) {
  const current = await findAppointmentWithParties(services.pool, params.id);
  if (!current) throw notFound('No such appointment');
  requireTransition(current, 'cancelled');
  const appointment = await setStatus(services, current, 'cancelled');
  return { message: 'Appointment cancelled successfully', appointment: services.presenter.appointment({ ...appointment, patient: current.patient, dentist: current.dentist }) };
}

async function showMessages({ services: { pool }, params }: DentalContext<{ access: 'staff'; params: typeof idParams }>) {
  if (!(await findAppointment(pool, params.id))) throw notFound('No such appointment');
  const [reminders, notices] = await Promise.all([listReminders(pool, params.id), listNotices(pool, params.id)]);
  return { reminders, notices };
}

export const appointmentRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/dental/appointments',
    summary: 'Book an appointment (409 with the conflicts when the dentist or patient is busy)',
    access: 'staff',
    body: newAppointment,
    responses: {
      201: { description: 'Booked', schema: z.object({ message: z.string(), appointment: appointmentView, workflow_id: z.string() }) },
      409: { description: 'The slot is taken: `conflicts` lists the overlapping appointments' },
    },
    example: {
      body: { patient_id: 12, dentist_id: 3, appointment_date: '2030-12-16T10:00', duration: 30, appointment_type: 'checkup', reason: 'Pain in the upper left molar' },
    },
    handler: bookAppointment,
  }),

  defineRoute({
    method: 'GET',
    path: '/api/dental/appointments',
    summary: 'Appointments by time window, patient, dentist or status',
    access: 'staff',
    query: appointmentSearch,
    responses: {
      200: { description: 'One page, by time', schema: pageSchema('appointments', appointmentView) },
    },
    example: { query: { dentist_id: 3, status: 'scheduled', date_from: '2030-12-16', date_to: '2030-12-17' } },
    handler: findAppointments,
  }),

  defineRoute({
    method: 'GET',
    path: '/api/dental/appointment/:id',
    summary: 'One appointment',
    access: 'staff',
    params: idParams,
    responses: { 200: { description: 'The appointment, and who changed its status when', schema: z.object({ appointment: appointmentView, history: z.array(statusChangeView) }) } },
    handler: showAppointment,
  }),

  defineRoute({
    method: 'PUT',
    path: '/api/dental/appointment/:id',
    summary: 'Reschedule (re-checked for conflicts), change status (legal transitions, once the appointment’s time allows), type, reason or notes',
    access: 'staff',
    params: idParams,
    body: appointmentChanges,
    responses: { 200: { description: 'Changed', schema: appointmentAnswer } },
    handler: changeAppointment,
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/dental/appointment/:id',
    summary: 'Cancel an appointment (the slot is freed, reminders stop)',
    access: 'staff',
    params: idParams,
    responses: { 200: { description: 'Cancelled', schema: appointmentAnswer } },
    handler: cancelAppointment,
  }),

  defineRoute({
    method: 'GET',
    path: '/api/dental/appointment/:id/reminders',
    summary: 'Reminders sent (or failed) for an appointment, and the notices of its moves and cancellation',
    access: 'staff',
    params: idParams,
    handler: showMessages,
  }),
];
