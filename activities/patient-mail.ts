// The mails a patient gets about an appointment: a reminder, a notice that it moved, a notice that it
// was cancelled. Each names the practice, the dentist, the type, the time in the practice's zone (the
// zone named) and the length; carries Confirm/Cancel links while they can still be used; and carries
// the calendar entry (REQUEST to add or update it, CANCEL to remove it). Plain text and HTML say the
// same; every value in the HTML is escaped.
import { patientCalendarEntry } from '../core/dental/appointment-calendar.js';
import type { PatientAnswer, PatientLinks } from '../core/dental/patient-links.js';
import type { Practice } from '../core/dental/practice.js';
import { spokenTime } from '../core/dental/time.js';
import { html, type SafeHtml } from '../core/html.js';
import type { AppointmentMessageDetails } from '../db/dental/patient-messages.js';

export type PatientMailKind = 'reminder' | 'moved' | 'cancelled';

export interface PatientMail {
  subject: string;
  text: string;
  html: string;
  /** nodemailer's calendar part: shown as an invitation by mail apps, and attached as a file. */
  icalEvent: { filename: string; method: 'REQUEST' | 'CANCEL'; content: string };
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function composePatientMail(kind: PatientMailKind, appointment: AppointmentMessageDetails, practice: Practice, links: PatientLinks): PatientMail {
  const when = spokenTime(appointment.appointment_date, practice.timeZone);
  const until = spokenTime(appointment.ends_at, practice.timeZone).clock;
  const dentist = `Dr. ${appointment.dentist_first_name} ${appointment.dentist_last_name}`;
  const type = capitalised(appointment.appointment_type);
  const where = [practice.name, practice.address].filter(Boolean).join(', ');
  // A cancelled appointment offers nothing to answer; a confirmed one can still be cancelled.
  const answers: PatientAnswer[] = appointment.status === 'scheduled' ? ['confirm', 'cancel'] : appointment.status === 'confirmed' ? ['cancel'] : [];
  const linkOf = (answer: PatientAnswer) => links.url({ appointmentId: appointment.id, answer, startsAt: Date.parse(appointment.appointment_date) });

  const opening = {
    reminder: `This is a reminder of your appointment at ${practice.name}.`,
    moved: `Your appointment at ${practice.name} has changed. This is how it stands now:`,
    cancelled: `Your appointment at ${practice.name} is cancelled:`,
  }[kind];
  const subject = {
    reminder: `Reminder: your appointment at ${practice.name} on ${when.day} at ${when.clock}`,
    moved: `Changed: your appointment at ${practice.name} is now on ${when.day} at ${when.clock}`,
    cancelled: `Cancelled: your appointment at ${practice.name} on ${when.day} at ${when.clock}`,
  }[kind];
  const facts: Array<[string, string]> = [
    ['When', when.full],
    ['Length', `${appointment.duration} minutes, until ${until}`],
    ['Dentist', dentist],
    ['Type', type],
    ['Where', where],
  ];
  const confirmed = appointment.status === 'confirmed' ? 'You have confirmed this appointment. Thank you!' : null;
  const calendarNote = kind === 'cancelled' ? 'The attached calendar update (appointment.ics) takes it out of your calendar.' : 'The attached appointment.ics puts the appointment in your calendar (or updates it there).';
  const call = practice.phone ? `Questions, or another time? Call us on ${practice.phone}.` : null;
  const answerLines: Record<PatientAnswer, string> = {
    confirm: 'Will you come? Confirm here:',
    cancel: 'Cannot come? Cancel here, and the time goes to another patient:',
  };

  const text = [
    `Hello ${appointment.patient_first_name},`,
    '',
    opening,
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(9)}${value}`),
    '',
    ...(confirmed ? [confirmed, ''] : []),
    ...answers.flatMap((answer) => [answerLines[answer], linkOf(answer), '']),
    ...(answers.length ? ['(Each link opens a page with one button: nothing changes until you press it.)', ''] : []),
    calendarNote,
    ...(call ? ['', call] : []),
    '',
    practice.name,
    ...[practice.address, practice.phone].filter((line): line is string => Boolean(line)),
  ].join('\n');

  const button = (answer: PatientAnswer): SafeHtml => html`<p>${answerLines[answer]}<br>
<a href="${linkOf(answer)}" style="display:inline-block;padding:10px 18px;border-radius:6px;text-decoration:none;color:#fff;background:${answer === 'confirm' ? '#1f7a3f' : '#a12626'}">${capitalised(answer)}</a></p>`;
  const markup = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#222;max-width:36em">
<p>Hello ${appointment.patient_first_name},</p>
<p>${opening}</p>
<table role="presentation" cellpadding="4">${facts.map(([label, value]) => html`<tr><th align="left">${label}</th><td>${value}</td></tr>`)}</table>
${confirmed && html`<p><strong>${confirmed}</strong></p>`}
${answers.map(button)}
${answers.length > 0 && html`<p style="font-size:90%;color:#555">Each link opens a page with one button: nothing changes until you press it.</p>`}
<p>${calendarNote}</p>
${call && html`<p>${call}</p>`}
<p>${practice.name}${[practice.address, practice.phone].filter(Boolean).map((line) => html`<br>${line}`)}</p>
</body></html>`;

  const entry = patientCalendarEntry(
    {
      ...appointment,
      summary: `${type} at ${practice.name}`,
      description: [`${type} with ${dentist}.`, call].filter(Boolean).join(' '),
    },
    practice,
    { name: appointment.patient_first_name, email: appointment.patient_email },
  );
  return { subject, text, html: markup.markup, icalEvent: { filename: 'appointment.ics', ...entry } };
}
