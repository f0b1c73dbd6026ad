// A patient's Confirm or Cancel, from the links of a reminder, without an account: the signed link is
// the proof (core/dental/patient-links.ts). Opening it (GET, HEAD) only shows a page with a button, so
// a mail scanner that fetches every link changes nothing; the button POSTs to the same address, and
// the answer goes to the appointment's workflow, the one writer of its status, which records it with
// the channel `patient_link`. A link for a moved, cancelled, begun or unknown appointment says so.
import type { H3Event } from 'h3';
import { z } from 'zod';
import { PATIENT_ANSWER_PATH, PATIENT_ANSWERS, type PatientAnswer, type PatientLinkClaims } from '../../../core/dental/patient-links.js';
import type { Practice } from '../../../core/dental/practice.js';
import { spokenTime } from '../../../core/dental/time.js';
import { type AppointmentStatus, APPOINTMENT_STATUSES, type AppointmentWithParties, findAppointmentWithParties } from '../../../db/dental/appointments.js';
import { STATUS_OF_ANSWER, STATUS_TRANSITIONS } from '../../../workflows/appointment-contract.js';
import { ApiError, classifyError, gone } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { type PatientPage, renderPatientPage } from '../patient-pages.js';
import { dentistFullName } from '../present.js';
import type { DentalContext, DentalServices } from '../services.js';

const tokenParams = z.object({ token: z.string().max(200).describe('The signed token of a Confirm or Cancel link') });
const answerView = z.object({
  message: z.string(),
  answer: z.enum(PATIENT_ANSWERS),
  status: z.enum(APPOINTMENT_STATUSES).describe('The appointment’s status now'),
  answered: z.boolean().describe('Whether this request gave the answer (false: a page to press, or already answered)'),
  appointment: z.object({
    appointment_date: z.string().describe('In words, in the practice’s time zone, naming it'),
    duration: z.number().int(),
    appointment_type: z.string(),
    dentist_name: z.string(),
  }),
});
const PAGE_MEDIA = ['text/html'];
const REFUSALS = '404 for a link that is not one of ours, 410 for an appointment that has begun or moved since, 409 for one that was cancelled or can no longer take the answer: as an HTML page for a browser (Accept: text/html), as a JSON error otherwise.';

const WORDS: Record<PatientAnswer, { ask: string; button: string; done: string; already: string }> = {
  confirm: {
    ask: 'Please confirm that you will come. Nothing changes until you press the button.',
    button: 'Confirm my appointment',
    done: 'Thank you: your appointment is confirmed. We look forward to seeing you.',
    already: 'Your appointment is already confirmed. Thank you!',
  },
  cancel: {
    ask: 'Cannot come? Cancel here and the time goes to another patient. Nothing changes until you press the button.',
    button: 'Cancel my appointment',
    done: 'Your appointment is cancelled, and its time is free for another patient.',
    already: 'Your appointment is already cancelled.',
  },
};

/** The appointment as a patient reads it: the time in words in the practice's zone, the dentist by name. */
const describe = (appointment: AppointmentWithParties, practice: Practice) => ({
  appointment_date: spokenTime(appointment.appointment_date, practice.timeZone).full,
  duration: appointment.duration,
  appointment_type: appointment.appointment_type.charAt(0).toUpperCase() + appointment.appointment_type.slice(1),
  dentist_name: dentistFullName(appointment.dentist),
});

interface Answering {
  appointment: AppointmentWithParties;
  answer: PatientAnswer;
  /** The appointment's status now. */
  status: AppointmentStatus;
  /** Whether this request gave the answer. */
  answered?: boolean;
}

function pageAbout({ appointment, answer, status, answered = false }: Answering, practice: Practice, page: Omit<PatientPage, 'json' | 'facts'>): PatientPage {
  const facts = describe(appointment, practice);
  return {
    ...page,
    facts: [
      ['When', facts.appointment_date],
      ['Length', `${facts.duration} minutes`],
      ['Dentist', facts.dentist_name],
      ['Type', facts.appointment_type],
    ],
    json: { answer, status, answered, appointment: facts },
  };
}

/** The link's appointment, if the link still applies to it; otherwise the refusal the patient sees. */
async function linkedAppointment({ pool, practice, patientLinks }: DentalServices, token: string): Promise<{ claims: PatientLinkClaims; appointment: AppointmentWithParties }> {
  const claims = patientLinks.read(token);
  if (!claims) throw invalidLink();
  if (claims.startsAt <= Date.now()) {
    throw gone('link_expired', 'This appointment has already begun or passed, so its links no longer work. Please call the practice.');
  }
  const appointment = await findAppointmentWithParties(pool, claims.appointmentId);
  if (!appointment) throw invalidLink();
  if (Date.parse(appointment.appointment_date) !== claims.startsAt) {
    throw gone(
      'appointment_moved',
      `This link was for your appointment on ${spokenTime(claims.startsAt, practice.timeZone).full}, which has moved since. Please use the links in our most recent email about it.`,
    );
  }
  const target = STATUS_OF_ANSWER[claims.answer];
  if (appointment.status !== target) {
    if (appointment.status === 'cancelled') throw new ApiError(409, 'appointment_cancelled', 'This appointment was cancelled. To book another, please call the practice.');
    if (!STATUS_TRANSITIONS[appointment.status].includes(target)) {
      throw new ApiError(409, 'illegal_transition', `This appointment can no longer be ${target} online (it is ${appointment.status.replace('_', ' ')}). Please call the practice.`);
    }
  }
  return { claims, appointment };
}

/** Every refusal becomes a page; anything unexpected stays a logged 500. */
async function answerPage(event: H3Event, practice: Practice, make: () => Promise<PatientPage>): Promise<Response> {
  try {
    return renderPatientPage(event, await make(), practice);
  } catch (error) {
    const refusal = classifyError(error);
    if (refusal.status >= 500 && refusal.status !== 503) throw error;
    return renderPatientPage(event, { status: refusal.status, error: refusal.code, title: titleOf(refusal.code), message: refusal.message }, practice);
  }
}

type AnswerContext = DentalContext<{ access: 'public'; params: typeof tokenParams }>;

function showAnswerPage({ services, event, params }: AnswerContext) {
  const { practice } = services;
  return answerPage(event, practice, async () => {
    const { claims, appointment } = await linkedAppointment(services, params.token);
    const words = WORDS[claims.answer];
    const answering = { appointment, answer: claims.answer, status: appointment.status };
    if (appointment.status === STATUS_OF_ANSWER[claims.answer]) return pageAbout(answering, practice, { status: 200, title: words.already, message: words.already });
    return pageAbout(answering, practice, {
      status: 200,
      title: claims.answer === 'confirm' ? 'Confirm your appointment' : 'Cancel your appointment',
      message: words.ask,
      button: { label: words.button, tone: claims.answer },
    });
  });
}

function giveAnswer({ services, event, params }: AnswerContext) {
  const { pool, practice, workflows } = services;
  return answerPage(event, practice, async () => {
    const { claims, appointment } = await linkedAppointment(services, params.token);
    const { answer } = claims;
    const words = WORDS[answer];
    const target = STATUS_OF_ANSWER[answer];
    if (appointment.status === target) return pageAbout({ appointment, answer, status: target }, practice, { status: 200, title: words.already, message: words.already });
    try {
      const answered = await workflows.answerForPatient(appointment.id, { answer, appointmentAt: appointment.appointment_date });
      return pageAbout({ appointment, answer, status: answered.status, answered: true }, practice, { status: 200, title: words.done, message: words.done });
    } catch (error) {
      // The same button pressed twice at once: the other press gave the answer.
      const now = error instanceof ApiError && error.status === 409 ? await findAppointmentWithParties(pool, appointment.id) : null;
      if (now?.status === target) return pageAbout({ appointment: now, answer, status: target }, practice, { status: 200, title: words.already, message: words.already });
      throw error;
    }
  });
}

export const patientAnswerRoutes = [
  defineRoute({
    method: 'GET',
    path: `${PATIENT_ANSWER_PATH}/:token`,
    summary: 'A patient’s Confirm or Cancel link from a reminder: a page with one button (opening it changes nothing)',
    description: `No account needed: the link is signed for one appointment, one answer and the appointment’s time, and expires when the appointment begins. ${REFUSALS}`,
    access: 'public',
    params: tokenParams,
    responses: { 200: { description: 'The appointment and a button that sends the answer (or: it was already given)', schema: answerView, mediaTypes: PAGE_MEDIA } },
    handler: showAnswerPage,
  }),

  defineRoute({
    method: 'POST',
    path: `${PATIENT_ANSWER_PATH}/:token`,
    summary: 'A patient answers: Confirm or Cancel, as the signed link says (pressing it again changes nothing more)',
    description: `The answer goes to the appointment’s workflow and is recorded with the channel patient_link; a cancellation frees the dentist’s time at once and stops the reminders. ${REFUSALS}`,
    access: 'public',
    params: tokenParams,
    responses: { 200: { description: 'Answered (or answered before: `answered` is then false)', schema: answerView, mediaTypes: PAGE_MEDIA } },
    handler: giveAnswer,
  }),
];

const invalidLink = () => new ApiError(404, 'invalid_link', 'This link is not valid. Please use the link from your most recent email, or call the practice.');

function titleOf(code: string): string {
  const titles: Record<string, string> = {
    invalid_link: 'This link does not work',
    link_expired: 'This link has expired',
    appointment_moved: 'Your appointment has moved',
    appointment_cancelled: 'This appointment was cancelled',
    illegal_transition: 'This can no longer be done online',
    service_unavailable: 'Please try again in a minute',
  };
  return titles[code] ?? 'This did not work';
}
