// How the dental API talks to an appointment's workflow: every call bounded by a deadline (no worker
// → 503, never a hang) and every failure mapped to the answer the client should get.
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../config/index.js';
import { formatInZone } from '../../core/dental/time.js';
import type { Appointment, AppointmentStatus } from '../../db/dental/appointments.js';
import {
  type BookingRequest,
  bookUpdate,
  patientAnswerUpdate,
  type PatientAnswerRequest,
  rescheduleUpdate,
  type RescheduleRequest,
  setStatusUpdate,
} from '../../workflows/appointment-contract.js';
import { appointmentWorkflow } from '../../workflows/dental.js';
import { AppointmentAt, AppointmentStatus as AppointmentStatusAttribute, DentistId, PatientId } from '../../workflows/search-attributes.js';
import { TASK_QUEUES } from '../../workflows/task-queues.js';
import { ApiError, conflict, notFound, serviceUnavailable } from '../shared/errors.js';
import { withinDeadline } from '../shared/temporal-calls.js';
import { statusTooEarly } from './status-timing.js';

export const appointmentWorkflowId = (appointmentId: number) => `appointment-${appointmentId}`;

/**
 * The appointment's workflow has ended: an hour after the appointment, with no reminder left to send
 * (or stopped by operations staff). It can no longer be moved; its status can still be recorded.
 */
export class AppointmentWorkflowEnded extends ApiError {
  constructor() {
    super(409, 'appointment_over', 'This appointment is over and can no longer be moved; book a new appointment instead');
  }
}

export function createDentalWorkflowClient(client: Client, config: Config) {
  const timeoutMs = config.TEMPORAL_REQUEST_TIMEOUT_MS;
  // When this caller will have given up and answered 503 (a little before the call's own deadline):
  // the activity writes nothing after it.
  const respondBy = () => Date.now() + timeoutMs - 250;

  async function bounded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await withinDeadline(client, timeoutMs, 'Appointments cannot be changed right now (the workflow service is unavailable); nothing was changed', call);
    } catch (error) {
      throw toApiError(error, config.PRACTICE_TIME_ZONE);
    }
  }

  return {
    /** Starts the appointment's workflow and books through it; answers when the row is written or refused. */
    book(request: Omit<BookingRequest, 'respondBy'>): Promise<Appointment> {
      return bounded(() =>
        client.workflow.executeUpdateWithStart(bookUpdate, {
          args: [{ ...request, respondBy: respondBy() }],
          startWorkflowOperation: new WithStartWorkflowOperation(appointmentWorkflow, {
            workflowId: appointmentWorkflowId(request.appointmentId),
            taskQueue: TASK_QUEUES.dental,
            args: [{ appointmentId: request.appointmentId, reminderOffsetsMinutes: config.DENTAL_REMINDER_OFFSETS }],
            workflowIdConflictPolicy: 'USE_EXISTING',
            staticSummary: appointmentSummary(request, config.PRACTICE_TIME_ZONE),
            typedSearchAttributes: [
              { key: PatientId, value: request.patientId },
              { key: DentistId, value: request.dentistId },
              { key: AppointmentAt, value: new Date(request.startsAt) },
              { key: AppointmentStatusAttribute, value: 'scheduled' },
            ],
          }),
        }),
      );
    },

    reschedule(appointmentId: number, changes: Omit<RescheduleRequest, 'respondBy'>): Promise<Appointment> {
      return bounded(() => client.workflow.getHandle(appointmentWorkflowId(appointmentId)).executeUpdate(rescheduleUpdate, { args: [{ ...changes, respondBy: respondBy() }] }));
    },

    setStatus(appointmentId: number, status: AppointmentStatus): Promise<Appointment> {
      return bounded(() => client.workflow.getHandle(appointmentWorkflowId(appointmentId)).executeUpdate(setStatusUpdate, { args: [status, respondBy()] }));
    },

    /** A patient's Confirm or Cancel, through the workflow that writes the appointment's status. */
    answerForPatient(appointmentId: number, answer: Omit<PatientAnswerRequest, 'respondBy'>): Promise<Appointment> {
      return bounded(() => client.workflow.getHandle(appointmentWorkflowId(appointmentId)).executeUpdate(patientAnswerUpdate, { args: [{ ...answer, respondBy: respondBy() }] }));
    },
  };
}

/**
 * The line operations staff see in the Web UI's list. Ids and the time only: no names, and not the
 * appointment type either, which staff type freely and can name a treatment.
 */
export function appointmentSummary(request: Pick<BookingRequest, 'appointmentId' | 'patientId' | 'dentistId' | 'startsAt'>, timeZone: string): string {
  const when = formatInZone(request.startsAt, timeZone).slice(0, 16).replace('T', ' ');
  return `Appointment ${request.appointmentId}: patient ${request.patientId}, dentist ${request.dentistId}, ${when}`;
}

function toApiError(error: unknown, timeZone: string): unknown {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const failure = error.cause;
    if (failure.type === 'SlotConflict') {
      // Times in the practice's zone, as every other time the API shows.
      const conflicts = ((failure.details?.[0] ?? []) as Array<{ appointment_date: string; ends_at: string }>).map((overlap) => ({
        ...overlap,
        appointment_date: formatInZone(overlap.appointment_date, timeZone),
        ends_at: formatInZone(overlap.ends_at, timeZone),
      }));
      return conflict(failure.message, { extra: { conflicts } });
    }
    if (failure.type === 'IllegalTransition') return new ApiError(409, 'illegal_transition', failure.message);
    if (failure.type === 'AppointmentMoved') return new ApiError(410, 'appointment_moved', failure.message);
    if (failure.type === 'LinkExpired') return new ApiError(410, 'link_expired', failure.message);
    if (failure.type === 'TooEarly') {
      const { status, possibleFrom } = failure.details?.[0] as { status: AppointmentStatus; possibleFrom: string };
      return statusTooEarly(status, possibleFrom, timeZone);
    }
    if (failure.type === 'NotFound') return notFound(failure.message);
    if (failure.type === 'RequestExpired') return serviceUnavailable('The booking service was too slow to answer; nothing was booked');
  }
  if ((error as { name?: string } | null)?.name === 'WorkflowNotFoundError') return new AppointmentWorkflowEnded();
  return error;
}

export type DentalWorkflowClient = ReturnType<typeof createDentalWorkflowClient>;
