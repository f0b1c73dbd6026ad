// Patients: registered, found, shown with what is coming and what was done, changed, deactivated.
import { z } from 'zod';
import { upcomingAppointmentsOfPatient } from '../../../db/dental/appointments.js';
import { listTreatments } from '../../../db/dental/billing.js';
import { findPatient, insertPatient, searchPatients, updatePatient } from '../../../db/dental/patients.js';
import { notFound, unlessDuplicate } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { appointmentView, PATIENT_FLASK_NAMES, patientView, treatmentView } from '../present.js';
import type { DentalContext } from '../services.js';

const text = (max: number) => z.string().trim().normalize('NFC').max(max, `must be at most ${max} characters`);
const optionalText = (max: number) => text(max).nullable().optional();
const dateOfBirth = fields.date
  .refine((value) => value <= new Date().toISOString().slice(0, 10), 'cannot be in the future')
  .refine((value) => value > '1880-01-01', 'is too far in the past');

const patientFields = {
  first_name: text(100).min(1, 'is required'),
  last_name: text(100).min(1, 'is required'),
  email: text(254).pipe(z.email('must be a valid email address')),
  phone: text(40).regex(/^[0-9+()./\s-]{3,40}$/, 'must be a phone number'),
  date_of_birth: dateOfBirth.nullable().optional(),
  address: optionalText(300),
  city: optionalText(100),
  state: optionalText(100),
  postal_code: optionalText(20),
  country: optionalText(100),
  emergency_contact_name: optionalText(200),
  emergency_contact_phone: optionalText(40),
  street_address: optionalText(300).describe('The same as address (the Flask system’s name)'),
  zip_code: optionalText(20).describe('The same as postal_code (the Flask system’s name)'),
  emergency_contact: optionalText(200).describe('The same as emergency_contact_name (the Flask system’s name)'),
  emergency_phone: optionalText(40).describe('The same as emergency_contact_phone (the Flask system’s name)'),
  insurance_provider: optionalText(200),
  insurance_number: optionalText(100),
  medical_notes: optionalText(10_000),
  allergies: optionalText(2000),
};
type FlaskName = (typeof PATIENT_FLASK_NAMES)[keyof typeof PATIENT_FLASK_NAMES];

/** Either name of a field is accepted; both with different values is refused rather than one guessed. */
function withFlaskNames<T extends Partial<Record<keyof typeof PATIENT_FLASK_NAMES | FlaskName, string | null | undefined>>>(schema: z.ZodType<T>) {
  return schema
    .superRefine((input, context) => {
      for (const [mine, flask] of Object.entries(PATIENT_FLASK_NAMES) as Array<[keyof typeof PATIENT_FLASK_NAMES, FlaskName]>) {
        if (input[mine] !== undefined && input[flask] !== undefined && input[mine] !== input[flask]) {
          context.addIssue({ code: 'custom', path: [flask], message: `is another name for ${mine}: send one of them, or the same value in both` });
        }
      }
    })
    .transform((input) => {
      const merged: Record<string, unknown> = { ...input };
      for (const [mine, flask] of Object.entries(PATIENT_FLASK_NAMES)) {
        if (merged[mine] === undefined) merged[mine] = merged[flask];
        delete merged[flask];
      }
      return merged as Omit<T, FlaskName>;
    });
}

const patientRegistration = withFlaskNames(z.object(patientFields));
const patientChanges = withFlaskNames(z.object({ ...patientFields, is_active: z.boolean() }).partial());
const idParams = z.object({ id: fields.id });
/** How much of a patient's schedule and history the patient's page shows. */
const DETAIL_ITEMS = 10;

const patientSearch = z.object({ search: fields.search.optional(), active_only: fields.boolean.optional(), page: fields.page, per_page: fields.perPage(100, 20) });
const patientAnswer = z.object({ message: z.string(), patient: patientView });

const unlessEmailTaken = <T>(work: Promise<T>) => unlessDuplicate(work, 'A patient with that email already exists', { field: 'email' });

async function registerPatient({ services: { pool, presenter }, body, event }: DentalContext<{ access: 'staff'; body: typeof patientRegistration }>) {
  const patient = await unlessEmailTaken(insertPatient(pool, body));
  event.res.status = 201;
  return { message: 'Patient created successfully', patient: presenter.patient(patient) };
}

async function findPatients({ services: { pool, presenter }, query }: DentalContext<{ access: 'staff'; query: typeof patientSearch }>) {
  const { patients, total } = await searchPatients(pool, {
    search: query.search || undefined,
    activeOnly: query.active_only ?? false,
    page: query.page,
    perPage: query.per_page,
  });
  return pageOf('patients', patients.map(presenter.patient), total, query);
}

async function showPatient({ services: { pool, presenter }, params }: DentalContext<{ access: 'staff'; params: typeof idParams }>) {
  const [patient, upcoming, recent] = await Promise.all([
    findPatient(pool, params.id),
    upcomingAppointmentsOfPatient(pool, params.id, DETAIL_ITEMS),
    listTreatments(pool, { patientId: params.id, page: 1, perPage: DETAIL_ITEMS }),
  ]);
  if (!patient) notFoundPatient();
  return {
    patient: presenter.patient(patient),
    upcoming_appointments: upcoming.map(presenter.appointment),
    recent_treatments: recent.treatments.map(presenter.treatment),
  };
}

async function changePatient({ services: { pool, presenter }, params, body }: DentalContext<{ access: 'staff'; params: typeof idParams; body: typeof patientChanges }>) {
  const patient = (await unlessEmailTaken(updatePatient(pool, params.id, body))) ?? notFoundPatient();
  return { message: 'Patient updated successfully', patient: presenter.patient(patient) };
}

function notFoundPatient(): never {
  throw notFound('No such patient');
}

export const patientRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/dental/patients',
    summary: 'Register a patient',
    access: 'staff',
    body: patientRegistration,
    description:
      'The Flask system’s field names are accepted beside Qhitz’s (street_address for address, zip_code for postal_code, emergency_contact and emergency_phone for emergency_contact_name and emergency_contact_phone), and answered under both.',
    responses: { 201: { description: 'Registered', schema: patientAnswer }, 409: { description: 'A patient with that email exists' } },
    example: {
      body: {
        first_name: 'Jane',
        last_name: 'Doe',
        email: 'jane.doe@example.com',
        phone: '+1 555 0100',
        date_of_birth: '1990-04-01',
        street_address: '123 Main St',
        city: 'Springfield',
        state: 'IL',
        zip_code: '62701',
        country: 'US',
        emergency_contact: 'John Doe',
        emergency_phone: '+1 555 0101',
        insurance_provider: 'Delta Dental',
        allergies: 'penicillin',
      },
    },
    handler: registerPatient,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/dental/patients',
    summary: 'Find patients by name, email or phone',
    access: 'staff',
    query: patientSearch,
    responses: { 200: { description: 'One page of matches', schema: pageSchema('patients', patientView) } },
    example: { query: { search: 'doe', per_page: 10 } },
    handler: findPatients,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/dental/patient/:id',
    summary: `One patient, with the next ${DETAIL_ITEMS} appointments and the last ${DETAIL_ITEMS} treatments`,
    access: 'staff',
    params: idParams,
    responses: {
      200: {
        description: 'The patient',
        schema: z.object({ patient: patientView, upcoming_appointments: z.array(appointmentView), recent_treatments: z.array(treatmentView) }),
      },
    },
    example: { params: { id: 12 } },
    handler: showPatient,
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/dental/patient/:id',
    summary: 'Change a patient (is_active: false deactivates; patients are never deleted)',
    access: 'staff',
    params: idParams,
    body: patientChanges,
    responses: { 200: { description: 'Updated', schema: patientAnswer } },
    handler: changePatient,
  }),
];
