// Appointments. Every change that can collide with another booking goes through the appointment's
// workflow, which writes it; PostgreSQL's exclusion constraints make double booking impossible.
import { z } from 'zod';
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
import { STATUS_TRANSITIONS } from '../../../workflows/appointment-contract.js';
import { ApiError, invalidFields, notFound } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import type { DentalAppDeps } from '../app.js';
import { AppointmentWorkflowEnded, appointmentWorkflowId, createDentalWorkflowClient } from '../workflow-client.js';
import { appointmentView, createDentalPresenter } from '../present.js';
import { statusTooEarly } from '../status-timing.js';
import { formatInZone, parseAppointmentTime, type WorkingHours, withinWorkingHours } from '../time.js';

const idParams = z.object({ id: fields.id });
const statusChangeView = z.object({
  from_status: z.string(),
  to_status: z.string(),
  channel: z.enum(['staff', 'patient_link']).describe('staff: through this API; patient_link: the patient, through a link in a reminder'),
  changed_at: z.string().describe('In the practice time zone, with its offset'),
});
const appointmentAnswer = z.object({ message: z.string(), appointment: appointmentView });
const duration = z.coerce.number().int().min(5, 'must be at least 5 minutes').max(480, 'must be at most 480 minutes');

export function appointmentRoutes(deps: DentalAppDeps) {
  const { pool, config } = deps;
  const zone = config.PRACTICE_TIME_ZONE;
  const workflows = createDentalWorkflowClient(deps.temporal!, config);
  const { appointment: present } = createDentalPresenter(zone);
  const readTime = (value: string, field = 'appointment_date') => {
    const instant = parseAppointmentTime(value, zone);
    if (!instant) throw invalidFields({ [field]: [`must be a date and time such as 2026-12-15T10:00 (read in ${zone}) or with an offset`] });
    if (instant.getTime() <= Date.now()) throw invalidFields({ [field]: ['must be in the future'] });
    return instant;
  };

  /** A completed, cancelled or no-show appointment is history: its workflow has ended too. */
  const requireOpen = (appointment: Appointment, wanted: string) => {
    if (STATUS_TRANSITIONS[appointment.status].length === 0) {
      throw new ApiError(409, 'illegal_transition', `This appointment is ${appointment.status}; it cannot ${wanted}`);
    }
  };
  const requireTransition = (appointment: Appointment, status: AppointmentStatus) => {
    requireOpen(appointment, `become ${status}`);
    if (!STATUS_TRANSITIONS[appointment.status].includes(status)) {
      throw new ApiError(409, 'illegal_transition', `An appointment cannot go from ${appointment.status} to ${status}`);
    }
  };

  /**
   * Through the appointment's workflow, which stops or keeps its reminders. Once that workflow has
   * ended there is nothing left to remind of, and the status (completed, no-show, …) is recorded in
   * the database directly, only if nobody changed it meanwhile.
   */
  async function setStatus(appointment: Appointment, status: AppointmentStatus): Promise<Appointment> {
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
  async function requireTimely(status: AppointmentStatus, startsAt: Date) {
    const possibleFrom = await statusPossibleFrom(pool, status, startsAt.toISOString(), zone);
    if (possibleFrom) throw statusTooEarly(status, possibleFrom, zone);
  }

  /** Rules the database cannot know: who exists and is active, and the dentist's hours. */
  async function checkBookable(patientId: number, dentistId: number, startsAt: Date, minutes: number) {
    const [patient, dentist] = await Promise.all([findPatient(pool, patientId), findDentist(pool, dentistId)]);
    const problems: Record<string, string[]> = {};
    if (!patient) problems.patient_id = ['no such patient'];
    else if (!patient.is_active) problems.patient_id = ['this patient is deactivated'];
    if (!dentist) problems.dentist_id = ['no such dentist'];
    else if (!dentist.is_active) problems.dentist_id = ['this dentist is deactivated'];
    else if (!withinWorkingHours(dentist.working_hours as WorkingHours | null, startsAt, minutes, zone)) {
      problems.appointment_date = [`is outside Dr. ${dentist.last_name}'s working hours`];
    }
    if (Object.keys(problems).length) throw invalidFields(problems);
    return { patient: patient!, dentist: dentist! };
  }

  return [
    defineRoute({
      method: 'POST',
      path: '/api/dental/appointments',
      summary: 'Book an appointment (409 with the conflicts when the dentist or patient is busy)',
      access: 'staff',
      body: z.object({
        patient_id: fields.id,
        dentist_id: fields.id,
        appointment_date: z.string().max(40),
        duration: duration.default(30),
        appointment_type: z.string().trim().min(1).max(100).default('checkup'),
        reason: z.string().trim().max(2000).nullable().optional(),
        notes: z.string().trim().max(5000).nullable().optional(),
      }),
      responses: {
        201: { description: 'Booked', schema: z.object({ message: z.string(), appointment: appointmentView, workflow_id: z.string() }) },
        409: { description: 'The slot is taken: `conflicts` lists the overlapping appointments' },
      },
      example: {
        body: { patient_id: 12, dentist_id: 3, appointment_date: '2030-12-16T10:00', duration: 30, appointment_type: 'checkup', reason: 'Pain in the upper left molar' },
      },
      handler: async ({ body, event }) => {
        const startsAt = readTime(body.appointment_date);
        const { patient, dentist } = await checkBookable(body.patient_id, body.dentist_id, startsAt, body.duration);
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
        return { message: 'Appointment booked successfully', appointment: present({ ...appointment, patient, dentist }), workflow_id: appointmentWorkflowId(appointmentId) };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/dental/appointments',
      summary: 'Appointments by time window, patient, dentist or status',
      access: 'staff',
      query: z.object({
        date_from: z.string().max(40).optional(),
        date_to: z.string().max(40).optional(),
        patient_id: fields.id.optional(),
        dentist_id: fields.id.optional(),
        status: z.enum(APPOINTMENT_STATUSES).optional(),
        page: fields.page,
        per_page: fields.perPage(200, 50),
      }),
      responses: {
        200: { description: 'One page, by time', schema: pageSchema('appointments', appointmentView) },
      },
      example: { query: { dentist_id: 3, status: 'scheduled', date_from: '2030-12-16', date_to: '2030-12-17' } },
      handler: async ({ query }) => {
        const bound = (value: string | undefined, field: string) => {
          if (!value) return undefined;
          const instant = parseAppointmentTime(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00` : value, zone);
          if (!instant) throw invalidFields({ [field]: ['must be a date (YYYY-MM-DD) or date and time'] });
          return instant.toISOString();
        };
        const { appointments, total } = await listAppointments(pool, {
          from: bound(query.date_from, 'date_from'),
          to: bound(query.date_to, 'date_to'),
          patientId: query.patient_id,
          dentistId: query.dentist_id,
          status: query.status,
          page: query.page,
          perPage: query.per_page,
        });
        return pageOf('appointments', appointments.map(present), total, query);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/dental/appointment/:id',
      summary: 'One appointment',
      access: 'staff',
      params: idParams,
      responses: { 200: { description: 'The appointment, and who changed its status when', schema: z.object({ appointment: appointmentView, history: z.array(statusChangeView) }) } },
      handler: async ({ params }) => {
        const appointment = await findAppointmentWithParties(pool, params.id);
        if (!appointment) throw notFound('No such appointment');
        const history = await listStatusChanges(pool, params.id);
        return { appointment: present(appointment), history: history.map((change) => ({ ...change, changed_at: formatInZone(change.changed_at, zone) })) };
      },
    }),

    defineRoute({
      method: 'PUT',
      path: '/api/dental/appointment/:id',
      summary: 'Reschedule (re-checked for conflicts), change status (legal transitions, once the appointment’s time allows), type, reason or notes',
      access: 'staff',
      params: idParams,
      body: z.object({
        appointment_date: z.string().max(40).optional(),
        duration: duration.optional(),
        dentist_id: fields.id.optional(),
        status: z.enum(APPOINTMENT_STATUSES).optional(),
        appointment_type: z.string().trim().min(1).max(100).optional(),
        reason: z.string().trim().max(2000).nullable().optional(),
        notes: z.string().trim().max(5000).nullable().optional(),
      }),
      responses: { 200: { description: 'Changed', schema: appointmentAnswer } },
      handler: async ({ params, body }) => {
        const found = await findAppointmentWithParties(pool, params.id);
        if (!found) throw notFound('No such appointment');
        let { patient, dentist, ...appointment } = found;
        const reschedule = body.appointment_date !== undefined || body.duration !== undefined || body.dentist_id !== undefined;
        const newStatus = body.status !== undefined && body.status !== appointment.status ? body.status : undefined;
        // Every refusal before the first write, so a refused request changes nothing.
        if (reschedule) requireOpen(appointment, 'be rescheduled');
        if (newStatus) requireTransition(appointment, newStatus);
        const startsAt = body.appointment_date ? readTime(body.appointment_date) : new Date(appointment.appointment_date);
        if (newStatus) await requireTimely(newStatus, startsAt);
        if (reschedule) {
          const minutes = body.duration ?? appointment.duration;
          ({ patient, dentist } = await checkBookable(appointment.patient_id, body.dentist_id ?? appointment.dentist_id, startsAt, minutes));
          appointment = await workflows.reschedule(params.id, { startsAt: startsAt.toISOString(), duration: minutes, dentistId: body.dentist_id });
        }
        if (newStatus) appointment = await setStatus(appointment, newStatus);
        if (body.appointment_type !== undefined || body.reason !== undefined || body.notes !== undefined) {
          appointment = (await updateAppointment(pool, params.id, { appointmentType: body.appointment_type, reason: body.reason, notes: body.notes }))!;
        }
        return { message: 'Appointment updated successfully', appointment: present({ ...appointment, patient, dentist }) };
      },
    }),

    defineRoute({
      method: 'DELETE',
      path: '/api/dental/appointment/:id',
      summary: 'Cancel an appointment (the slot is freed, reminders stop)',
      access: 'staff',
      params: idParams,
      responses: { 200: { description: 'Cancelled', schema: appointmentAnswer } },
      handler: async ({ params }) => {
        const current = await findAppointmentWithParties(pool, params.id);
        if (!current) throw notFound('No such appointment');
        requireTransition(current, 'cancelled');
        const appointment = await setStatus(current, 'cancelled');
        return { message: 'Appointment cancelled successfully', appointment: present({ ...appointment, patient: current.patient, dentist: current.dentist }) };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/dental/appointment/:id/reminders',
      summary: 'Reminders sent (or failed) for an appointment, and the notices of its moves and cancellation',
      access: 'staff',
      params: idParams,
      handler: async ({ params }) => {
        if (!(await findAppointment(pool, params.id))) throw notFound('No such appointment');
        const [reminders, notices] = await Promise.all([listReminders(pool, params.id), listNotices(pool, params.id)]);
        return { reminders, notices };
      },
    }),
  ];
}
