// Appointments as iCalendar (RFC 5545): the entry a patient's reminder carries, and a dentist's feed.
// One appointment is one event everywhere, with a UID that never changes; its SEQUENCE counts the
// moves and the cancellation (appointments.calendar_sequence), so a calendar that already holds the
// entry replaces it with a newer one and a METHOD:CANCEL removes it. Times are written in UTC, which
// every calendar app shows in its own zone without needing the practice's zone rules.
import ical, { ICalAttendeeRole, ICalCalendarMethod, ICalEventStatus, type ICalCalendar } from 'ical-generator';
import type { AppointmentStatus } from '../../db/dental/appointments.js';
import type { Practice } from './practice.js';

export interface CalendarAppointment {
  id: number;
  appointment_date: string;
  ends_at: string;
  status: AppointmentStatus;
  calendar_sequence: number;
  summary: string;
  description?: string;
}

export const appointmentUid = (appointmentId: number, practice: Pick<Practice, 'host'>) => `appointment-${appointmentId}@${practice.host}`;

function newCalendar(method: ICalCalendarMethod, name: string): ICalCalendar {
  return ical({ prodId: { company: 'Qhitz', product: 'Qhitz Dental', language: 'EN' }, method, name });
}

function addEvent(calendar: ICalCalendar, appointment: CalendarAppointment, practice: Practice, attendee?: { name: string; email: string }) {
  calendar.createEvent({
    id: appointmentUid(appointment.id, practice),
    sequence: appointment.calendar_sequence,
    start: new Date(appointment.appointment_date),
    end: new Date(appointment.ends_at),
    // The time the entry was written; a calendar compares SEQUENCE first, then this.
    stamp: new Date(),
    summary: appointment.summary,
    description: appointment.description ?? null,
    location: [practice.name, practice.address].filter(Boolean).join(', '),
    organizer: practice.organizer,
    status: appointment.status === 'cancelled' ? ICalEventStatus.CANCELLED : appointment.status === 'scheduled' ? ICalEventStatus.TENTATIVE : ICalEventStatus.CONFIRMED,
    ...(attendee && { attendees: [{ ...attendee, role: ICalAttendeeRole.REQ, rsvp: false }] }),
  });
}

/** The entry a patient's message carries: REQUEST adds or updates it, CANCEL (a cancelled appointment) removes it. */
export function patientCalendarEntry(appointment: CalendarAppointment, practice: Practice, patient: { name: string; email: string }): { method: 'REQUEST' | 'CANCEL'; content: string } {
  const method = appointment.status === 'cancelled' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST;
  const calendar = newCalendar(method, practice.name);
  addEvent(calendar, appointment, practice, patient);
  return { method: method === ICalCalendarMethod.CANCEL ? 'CANCEL' : 'REQUEST', content: calendar.toString() };
}

/** A dentist's subscribed calendar: the appointments it is given, published (no replies expected). */
export function dentistCalendarFeed(appointments: CalendarAppointment[], practice: Practice, dentistName: string): string {
  const calendar = newCalendar(ICalCalendarMethod.PUBLISH, `${dentistName} — ${practice.name}`);
  // Calendar apps poll a feed; once an hour is plenty for appointments.
  calendar.ttl(3600);
  for (const appointment of appointments) addEvent(calendar, appointment, practice);
  return calendar.toString();
}
