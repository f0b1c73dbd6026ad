import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import { findPatient, insertPatient, patientRow, searchPatients, updatePatient } from '../../../db/dental/patients.js';
import { conflict, notFound } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import type { DentalAppDeps } from '../app.js';

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
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
  postal_code: optionalText(20),
  emergency_contact_name: optionalText(200),
  emergency_contact_phone: optionalText(40),
  insurance_provider: optionalText(200),
  insurance_number: optionalText(100),
  medical_notes: optionalText(10_000),
  allergies: optionalText(2000),
};
const createPatient = z.object(patientFields);
const changePatient = z.object({ ...patientFields, is_active: z.boolean() }).partial();
const idParams = z.object({ id: fields.id });
const Patient = patientRow.meta({ id: 'Patient' });

function emailTaken(error: unknown): never {
  if (error instanceof UniqueIntegrityConstraintViolationError) {
    throw conflict('A patient with that email already exists', { details: { field: 'email' } });
  }
  throw error;
}

export function patientRoutes({ pool }: DentalAppDeps) {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/dental/patients',
      summary: 'Register a patient',
      access: 'staff',
      body: createPatient,
      responses: { 201: { description: 'Registered', schema: z.object({ message: z.string(), patient: Patient }) }, 409: { description: 'A patient with that email exists' } },
      example: { body: { first_name: 'Jane', last_name: 'Doe', email: 'jane.doe@example.com', phone: '+1 555 0100', date_of_birth: '1990-04-01', allergies: 'penicillin' } },
      handler: async ({ body, event }) => {
        const patient = await insertPatient(pool, body).catch(emailTaken);
        event.res.status = 201;
        return { message: 'Patient created successfully', patient };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/dental/patients',
      summary: 'Find patients by name, email or phone',
      access: 'staff',
      query: z.object({ search: z.string().trim().max(200).optional(), active_only: fields.boolean.optional(), page: fields.page, per_page: fields.perPage(100, 20) }),
      responses: { 200: { description: 'One page of matches', schema: pageSchema('patients', Patient) } },
      example: { query: { search: 'doe', per_page: 10 } },
      handler: async ({ query }) => {
        const { patients, total } = await searchPatients(pool, {
          search: query.search || undefined,
          activeOnly: query.active_only ?? false,
          page: query.page,
          perPage: query.per_page,
        });
        return pageOf('patients', patients, total, query);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/dental/patient/:id',
      summary: 'One patient',
      access: 'staff',
      params: idParams,
      handler: async ({ params }) => ({ patient: (await findPatient(pool, params.id)) ?? notFoundPatient() }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/dental/patient/:id',
      summary: 'Change a patient (is_active: false deactivates; patients are never deleted)',
      access: 'staff',
      params: idParams,
      body: changePatient,
      handler: async ({ params, body }) => {
        const patient = (await updatePatient(pool, params.id, body).catch(emailTaken)) ?? notFoundPatient();
        return { message: 'Patient updated successfully', patient };
      },
    }),
  ];
}

function notFoundPatient(): never {
  throw notFound('No such patient');
}
