// What the appointment workflow (workflows/dental.ts) and its callers agree on: its input, its
// Updates and Query with their arguments and results, and the status transitions it enforces. The
// API caller, the workflow and the activities import it from here, and it imports only
// @temporalio/workflow and types: it is bundled with the workflow and must stay deterministic.
// The names given to defineUpdate/defineQuery are recorded in histories: they never change.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PatientAnswer } from '../core/dental/patient-links.js';
import type { Appointment, AppointmentStatus, NewAppointment } from '../db/dental/appointments.js';

export interface AppointmentWorkflowInput {
  appointmentId: number;
  /** Minutes before the appointment at which reminders go out, e.g. [1440, 120]. */
  reminderOffsetsMinutes: number[];
}

export interface AppointmentState {
  appointment: Appointment | null;
  nextReminder: { offsetMinutes: number; dueAt: string } | null;
  remindersSent: number;
  outcome: 'pending' | 'booked' | 'rejected' | 'over';
}

export interface BookingRequest extends Omit<NewAppointment, 'id'> {
  appointmentId: number;
  /** Epoch ms after which the HTTP caller has given up (and answered 503): write nothing then. */
  respondBy: number;
}

export interface RescheduleRequest {
  startsAt?: string;
  duration?: number;
  dentistId?: number;
  respondBy: number;
}

/** A patient's answer through a link of a reminder: ids and times only, never who the patient is. */
export interface PatientAnswerRequest {
  answer: PatientAnswer;
  /** The start the link was made for (ISO): a link for a moved appointment changes nothing. */
  appointmentAt: string;
  /** As in a booking: the epoch ms after which the caller has given up. */
  respondBy: number;
}

export const bookUpdate = defineUpdate<Appointment, [BookingRequest]>('book');
export const rescheduleUpdate = defineUpdate<Appointment, [RescheduleRequest]>('reschedule');
/** `respondBy`: as in a booking, the epoch ms after which the caller has given up (absent in histories from before it). */
export const setStatusUpdate = defineUpdate<Appointment, [status: AppointmentStatus, respondBy?: number]>('setStatus');
/** The patient's Confirm or Cancel; pressing it again answers the appointment as it already is. */
export const patientAnswerUpdate = defineUpdate<Appointment, [PatientAnswerRequest]>('patientAnswer');
export const getStateQuery = defineQuery<AppointmentState>('getState');

export const STATUS_OF_ANSWER: Record<PatientAnswer, AppointmentStatus> = { confirm: 'confirmed', cancel: 'cancelled' };

/** scheduled → confirmed → checked_in → completed, or no_show, or cancelled. */
export const STATUS_TRANSITIONS: Record<AppointmentStatus, AppointmentStatus[]> = {
  scheduled: ['confirmed', 'checked_in', 'cancelled', 'no_show'],
  confirmed: ['checked_in', 'cancelled', 'no_show'],
  checked_in: ['completed'],
  completed: [],
  no_show: [],
  cancelled: [],
};

/** Statuses with no way onward: the appointment is history, and its workflow ends. */
export const isFinal = (status: AppointmentStatus) => STATUS_TRANSITIONS[status].length === 0;
