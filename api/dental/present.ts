// The one place that turns dental rows into the JSON the API answers. The Flask system's clients read
// some fields under other names (street_address for address, treatment_name for name) and some formed
// from others (full_name, patient_name, dentist_name): every answer carries both, so those clients and
// Qhitz's own keep working. Times are shown in the practice's time zone, with its offset.
import { z } from 'zod';
import { formatInZone, parseAppointmentTime } from '../../core/dental/time.js';
import { appointmentRow, type AppointmentWithParties, type PersonName } from '../../db/dental/appointments.js';
import { statsRow, treatmentRow, type TreatmentWithPatient } from '../../db/dental/billing.js';
import { type Dentist, dentistRow } from '../../db/dental/dentists.js';
import { type Patient, patientRow } from '../../db/dental/patients.js';
import { appointmentWorkflowId } from './workflow-client.js';

/** Qhitz's name of a patient field → the Flask system's name of the same field. */
export const PATIENT_FLASK_NAMES = {
  address: 'street_address',
  postal_code: 'zip_code',
  emergency_contact_name: 'emergency_contact',
  emergency_contact_phone: 'emergency_phone',
} as const;

export const patientFullName = (patient: PersonName) => `${patient.first_name} ${patient.last_name}`;
export const dentistFullName = (dentist: PersonName) => `Dr. ${dentist.first_name} ${dentist.last_name}`;

const sameAs = (field: string) => z.string().nullable().describe(`The same as ${field} (the Flask system's name)`);

export const patientView = patientRow
  .extend({
    full_name: z.string().describe('"First Last"'),
    street_address: sameAs('address'),
    zip_code: sameAs('postal_code'),
    emergency_contact: sameAs('emergency_contact_name'),
    emergency_phone: sameAs('emergency_contact_phone'),
    document_count: z.number().int().describe('Scanned documents of the patient (the Flask system’s key): Qhitz keeps none, so always 0'),
  })
  .meta({ id: 'Patient' });

export const dentistView = dentistRow.extend({ full_name: z.string().describe('"Dr. First Last"') }).meta({ id: 'Dentist' });

export const appointmentView = appointmentRow
  .extend({
    appointment_date: z.string().describe('In the practice time zone, with its offset'),
    ends_at: z.string(),
    patient_name: z.string().describe('The patient’s "First Last"'),
    dentist_name: z.string().describe('The dentist’s "Dr. First Last"'),
    workflow_id: z.string().describe('appointment-<id>: find it in the Temporal UI'),
  })
  .meta({ id: 'Appointment' });

export const treatmentView = treatmentRow
  .extend({
    treatment_name: z.string().describe('The same as name (the Flask system’s name)'),
    patient_name: z.string().describe('The patient’s "First Last"'),
    treatment_date: z.string().describe('When it was done, practice time with its offset: 2024-12-01T14:00:00+00:00'),
    cost: z.number().describe('Exact to the cent (at most 12 digits, which a JSON number holds exactly)'),
  })
  .meta({ id: 'Treatment' });

const count = z.number().int();
export const statsView = z.object({
  stats: statsRow.describe('Qhitz’s figures; money as exact decimal text'),
  total_patients: count.describe('Active patients'),
  total_dentists: count.describe('Active dentists'),
  appointments_today: count.describe('Today’s appointments (practice time zone), cancelled ones aside'),
  upcoming_appointments: count.describe('Scheduled or confirmed appointments still to come'),
  total_revenue: z.number().describe('Everything paid, ever'),
  pending_revenue: z.number().describe('What patients owe (the outstanding balance)'),
  total_scanned_documents: count.describe('Qhitz keeps no scanned documents: always 0'),
});

/** The answers' JSON, with times in `timeZone` (PRACTICE_TIME_ZONE). */
export function createDentalPresenter(timeZone: string) {
  /** A stored wall-clock time (`2024-12-01 14:00:00`) with the practice's offset of that moment. */
  const practiceTime = (wallClock: string) => {
    const instant = parseAppointmentTime(wallClock, timeZone);
    // A wall time the zone skipped (a midnight lost to a clock change) has no offset to show.
    return instant ? formatInZone(instant, timeZone) : wallClock.replace(' ', 'T');
  };

  return {
    patient(patient: Patient): z.output<typeof patientView> {
      return {
        ...patient,
        full_name: patientFullName(patient),
        street_address: patient.address,
        zip_code: patient.postal_code,
        emergency_contact: patient.emergency_contact_name,
        emergency_phone: patient.emergency_contact_phone,
        document_count: 0,
      };
    },

    dentist(dentist: Dentist): z.output<typeof dentistView> {
      return { ...dentist, full_name: dentistFullName(dentist) };
    },

    appointment({ patient, dentist, ...appointment }: AppointmentWithParties): z.output<typeof appointmentView> {
      return {
        ...appointment,
        appointment_date: formatInZone(appointment.appointment_date, timeZone),
        ends_at: formatInZone(appointment.ends_at, timeZone),
        patient_name: patientFullName(patient),
        dentist_name: dentistFullName(dentist),
        workflow_id: appointmentWorkflowId(appointment.id),
      };
    },

    treatment({ patient, ...treatment }: TreatmentWithPatient): z.output<typeof treatmentView> {
      return {
        ...treatment,
        treatment_name: treatment.name,
        patient_name: patientFullName(patient),
        treatment_date: practiceTime(treatment.treatment_date),
        cost: Number(treatment.cost),
      };
    },

    stats(stats: z.output<typeof statsRow>): z.output<typeof statsView> {
      return {
        stats,
        total_patients: stats.patients_active,
        total_dentists: stats.dentists_active,
        appointments_today: stats.appointments_today,
        upcoming_appointments: stats.appointments_upcoming,
        total_revenue: Number(stats.revenue_total),
        pending_revenue: Number(stats.outstanding_balance),
        total_scanned_documents: 0,
      };
    },
  };
}

export type DentalPresenter = ReturnType<typeof createDentalPresenter>;
