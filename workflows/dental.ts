// appointmentWorkflow: one durable actor per appointment (id `appointment-<id>`). The booking itself
// is an Update, so the HTTP call gets a synchronous answer — booked, or the conflicts — and then the
// workflow owns the appointment's reminders (durable timers) and its changes until it is over.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { DentalActivities } from '../activities/dental.js';
import type { Appointment, AppointmentStatus } from '../db/dental/appointments.js';
import {
  type AppointmentState,
  type AppointmentWorkflowInput,
  bookUpdate,
  getStateQuery,
  isFinal,
  patientAnswerUpdate,
  type PatientAnswerRequest,
  rescheduleUpdate,
  type RescheduleRequest,
  setStatusUpdate,
  STATUS_OF_ANSWER,
  STATUS_TRANSITIONS,
} from './appointment-contract.js';
import { AppointmentAt, AppointmentStatus as AppointmentStatusAttribute, DentistId } from './search-attributes.js';

const { bookAppointment, rescheduleAppointment, setAppointmentStatus } = proxyLocalActivities<DentalActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['SlotConflict', 'RequestExpired', 'NotFound'] },
});

const { sendReminder, sendAppointmentNotice, sendDailyDigests } = proxyActivities<DentalActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/**
 * A mail that still fails after its retries (recorded as failed by its activity) is given up, and the
 * workflow goes on looking after the appointment: its later reminders, notices and answers. (Before
 * this, such a failure failed the workflow; those histories replay as they ran.)
 */
async function unlessMailGivesUp<T>(mail: Promise<T>): Promise<T | 'failed'> {
  try {
    return await mail;
  } catch (error) {
    if (error instanceof ActivityFailure && patched('mail-failure-is-not-fatal')) return 'failed';
    throw error;
  }
}

/**
 * An activity failure inside an Update handler must become an ApplicationFailure, or the workflow
 * task fails and retries forever; keep the type and details so the caller can tell a conflict apart.
 */
function asUpdateFailure(error: unknown): never {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
    throw ApplicationFailure.create({
      message: error.cause.message,
      type: error.cause.type ?? undefined,
      details: error.cause.details ?? undefined,
      nonRetryable: true,
    });
  }
  throw error;
}

export async function appointmentWorkflow(input: AppointmentWorkflowInput): Promise<AppointmentState> {
  let appointment: Appointment | null = null;
  let outcome: AppointmentState['outcome'] = 'pending';
  let changed = false;
  let remindersSent = 0;
  let nextReminder: AppointmentState['nextReminder'] = null;
  // Reminder keys (offset @ time) already handled, so a reschedule to a new time reminds again.
  const handled = new Set<string>();
  // The appointment as the last reminder that reached the patient described it (the entry their
  // calendar holds): its time, length and dentist.
  let patientKnows: string | null = null;
  const asTold = (told: Appointment) => `${Date.parse(told.appointment_date)}/${Date.parse(told.ends_at)}/${told.dentist_id}`;

  const adopt = (updated: Appointment) => {
    appointment = updated;
    changed = true;
    upsertSearchAttributes([
      { key: AppointmentStatusAttribute, value: updated.status },
      { key: AppointmentAt, value: new Date(updated.appointment_date) },
      { key: DentistId, value: updated.dentist_id },
    ]);
    return updated;
  };

  setHandler(getStateQuery, () => ({ appointment, nextReminder, remindersSent, outcome }));

  setHandler(
    bookUpdate,
    async (request) => {
      if (appointment) return appointment; // the same booking retried by its caller
      try {
        const booked = adopt(await bookAppointment(request));
        outcome = 'booked';
        return booked;
      } catch (error) {
        outcome = 'rejected';
        upsertSearchAttributes([{ key: AppointmentStatusAttribute, value: 'rejected' }]);
        return asUpdateFailure(error);
      }
    },
    {
      validator: (request) => {
        if (request.appointmentId !== input.appointmentId) throw new Error('This workflow books another appointment');
      },
    },
  );

  setHandler(
    rescheduleUpdate,
    async (request: RescheduleRequest): Promise<Appointment> => {
      try {
        return adopt(await rescheduleAppointment(input.appointmentId, request));
      } catch (error) {
        return asUpdateFailure(error);
      }
    },
    { validator: (_request: RescheduleRequest) => requireChangeable() },
  );

  setHandler(
    setStatusUpdate,
    async (status: AppointmentStatus, respondBy?: number): Promise<Appointment> => {
      try {
        return adopt(await setAppointmentStatus(input.appointmentId, status, appointment!.status, respondBy));
      } catch (error) {
        return asUpdateFailure(error);
      }
    },
    {
      validator: (status: AppointmentStatus, _respondBy?: number) => {
        requireChangeable();
        const from = appointment!.status;
        if (!STATUS_TRANSITIONS[from].includes(status)) {
          throw ApplicationFailure.create({ type: 'IllegalTransition', message: `An appointment cannot go from ${from} to ${status}`, nonRetryable: true });
        }
      },
    },
  );

  setHandler(
    patientAnswerUpdate,
    async ({ answer, respondBy }: PatientAnswerRequest): Promise<Appointment> => {
      const status = STATUS_OF_ANSWER[answer];
      if (appointment!.status === status) return appointment!;
      try {
        return adopt(await setAppointmentStatus(input.appointmentId, status, appointment!.status, respondBy, 'patient_link'));
      } catch (error) {
        return asUpdateFailure(error);
      }
    },
    {
      // Refused here, a stale answer leaves no trace in the history.
      validator: ({ answer, appointmentAt }: PatientAnswerRequest) => {
        if (!appointment) throw ApplicationFailure.create({ type: 'NotFound', message: 'This appointment was never booked', nonRetryable: true });
        if (Date.parse(appointment.appointment_date) !== Date.parse(appointmentAt)) {
          throw ApplicationFailure.create({ type: 'AppointmentMoved', message: 'This appointment has moved since the link was made', nonRetryable: true });
        }
        if (Date.parse(appointment.appointment_date) <= Date.now()) {
          throw ApplicationFailure.create({ type: 'LinkExpired', message: 'This appointment has begun; its links have expired', nonRetryable: true });
        }
        const status = STATUS_OF_ANSWER[answer];
        if (appointment.status !== status && !STATUS_TRANSITIONS[appointment.status].includes(status)) {
          throw ApplicationFailure.create({ type: 'IllegalTransition', message: `This appointment is ${appointment.status}; it cannot become ${status}`, nonRetryable: true });
        }
      },
    },
  );

  /**
   * A patient who has the appointment in their calendar hears of a move (or a new length or dentist)
   * and of a cancellation, with the entry that updates or removes it. (Histories from before notices
   * existed replay without them.) A change that arrives while a notice is on its way (a cancellation
   * right after a move) is told in turn; histories from before that replay with one notice at most.
   */
  async function tellPatientOfChange() {
    for (let sent = 0; ; sent++) {
      const current: Appointment = appointment!;
      const cancelled = current.status === 'cancelled';
      if (patientKnows === null || (!cancelled && asTold(current) === patientKnows) || !patched('patient-notices')) return;
      if (sent > 0 && !patched('notice-of-change-during-notice')) return;
      // Told or given up on (recorded as failed): either way the next change is the next notice.
      await unlessMailGivesUp(sendAppointmentNotice({ appointmentId: input.appointmentId }));
      patientKnows = cancelled ? null : asTold(current);
    }
  }

  function requireChangeable() {
    if (!appointment) throw ApplicationFailure.create({ type: 'NotFound', message: 'This appointment was never booked', nonRetryable: true });
    if (isFinal(appointment.status)) {
      throw ApplicationFailure.create({ type: 'IllegalTransition', message: `This appointment is already ${appointment.status}`, nonRetryable: true });
    }
  }

  // The booking arrives with the start of this workflow; without it there is nothing to look after.
  const settled = await condition(() => outcome !== 'pending', '1 minute');
  // (TypeScript cannot see the handlers' assignments; read the outcome afresh.)
  if (!settled || (outcome as AppointmentState['outcome']) === 'rejected') {
    return { appointment, nextReminder: null, remindersSent, outcome: 'rejected' };
  }

  while (appointment) {
    await tellPatientOfChange();
    const current: Appointment = appointment;
    if (isFinal(current.status)) break;
    const startsAt = Date.parse(current.appointment_date);
    // Reminders whose time has passed are skipped, never sent late.
    const due = input.reminderOffsetsMinutes
      .map((offsetMinutes) => ({ offsetMinutes, dueAt: startsAt - offsetMinutes * 60_000 }))
      .filter((reminder) => reminder.dueAt > Date.now() && !handled.has(`${reminder.offsetMinutes}@${current.appointment_date}`))
      .sort((a, b) => a.dueAt - b.dueAt)[0];
    nextReminder = due ? { offsetMinutes: due.offsetMinutes, dueAt: new Date(due.dueAt).toISOString() } : null;
    changed = false;
    if (!due) {
      // Nothing left to send: keep answering changes until the appointment is over.
      const endsAt = Date.parse(current.ends_at);
      if (!(await condition(() => changed, Math.max(endsAt - Date.now(), 0) + 60 * 60_000))) break;
      continue;
    }
    if (await condition(() => changed, due.dueAt - Date.now())) continue; // rescheduled or status changed: recompute
    handled.add(`${due.offsetMinutes}@${current.appointment_date}`);
    const outcome = await unlessMailGivesUp(sendReminder({ appointmentId: input.appointmentId, offsetMinutes: due.offsetMinutes, scheduledFor: new Date(due.dueAt).toISOString() }));
    if (outcome !== 'skipped' && outcome !== 'failed') {
      remindersSent++;
      patientKnows = asTold(current);
    }
  }
  // Let an Update that is still running finish before the workflow completes.
  await condition(allHandlersFinished);
  return { appointment, nextReminder: null, remindersSent, outcome: 'over' };
}

/** Run by the `dental-daily-digest` Schedule: tomorrow's agenda to every dentist who has one. */
export async function dailyDigestWorkflow(): Promise<{ day: string; dentists: number; appointments: number }> {
  return sendDailyDigests();
}
