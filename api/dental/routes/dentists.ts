// Dentists: added, listed, shown, changed (with their working hours), deactivated.
import { z } from 'zod';
import { findDentist, insertDentist, listDentists, updateDentist } from '../../../db/dental/dentists.js';
import { notFound, unlessDuplicate } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { dentistView } from '../present.js';
import type { DentalContext } from '../services.js';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time as HH:MM');
const interval = z.tuple([clock, clock]).refine(([open, close]) => open < close, 'must open before it closes');
const workingHours = z
  .object({ mon: z.array(interval), tue: z.array(interval), wed: z.array(interval), thu: z.array(interval), fri: z.array(interval), sat: z.array(interval), sun: z.array(interval) })
  .partial()
  .strict();

const dentistFields = {
  first_name: z.string().trim().normalize('NFC').min(1).max(100),
  last_name: z.string().trim().normalize('NFC').min(1).max(100),
  email: z.string().trim().max(254).pipe(z.email('must be a valid email address')).nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  license_number: z.string().trim().min(1).max(64),
  specialization: z.string().trim().normalize('NFC').max(200).nullable().optional(),
  /** In the practice time zone; null: any time. */
  working_hours: workingHours.nullable().optional(),
};
const newDentist = z.object(dentistFields);
const dentistChanges = z.object({ ...dentistFields, is_active: z.boolean() }).partial();
const dentistList = z.object({ active_only: fields.boolean.optional() });
const idParams = z.object({ id: fields.id });
const dentistAnswer = z.object({ message: z.string(), dentist: dentistView });

const unlessLicenseTaken = <T>(work: Promise<T>) => unlessDuplicate(work, 'A dentist with that license number already exists', { field: 'license_number' });

async function addDentist({ services: { pool, presenter }, body, event }: DentalContext<{ access: 'staff'; body: typeof newDentist }>) {
  const dentist = await unlessLicenseTaken(insertDentist(pool, body));
  event.res.status = 201;
  return { message: 'Dentist created successfully', dentist: presenter.dentist(dentist) };
}

async function listAllDentists({ services: { pool, presenter }, query }: DentalContext<{ access: 'staff'; query: typeof dentistList }>) {
  const dentists = await listDentists(pool, query.active_only ?? false);
  return { dentists: dentists.map(presenter.dentist), total: dentists.length };
}

async function showDentist({ services: { pool, presenter }, params }: DentalContext<{ access: 'staff'; params: typeof idParams }>) {
  return { dentist: presenter.dentist((await findDentist(pool, params.id)) ?? dentistNotFound()) };
}

async function changeDentist({ services: { pool, presenter }, params, body }: DentalContext<{ access: 'staff'; params: typeof idParams; body: typeof dentistChanges }>) {
  const dentist = (await unlessLicenseTaken(updateDentist(pool, params.id, body))) ?? dentistNotFound();
  return { message: 'Dentist updated successfully', dentist: presenter.dentist(dentist) };
}

function dentistNotFound(): never {
  throw notFound('No such dentist');
}

export const dentistRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/dental/dentists',
    summary: 'Add a dentist',
    access: 'staff',
    body: newDentist,
    responses: { 201: { description: 'Added', schema: dentistAnswer }, 409: { description: 'That license number is taken' } },
    example: {
      body: {
        first_name: 'Ana',
        last_name: 'Smith',
        license_number: 'DDS-2041',
        specialization: 'Orthodontics',
        working_hours: { mon: [['09:00', '12:30'], ['13:30', '17:00']], wed: [['09:00', '17:00']] },
      },
    },
    handler: addDentist,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/dental/dentists',
    summary: 'All dentists',
    access: 'staff',
    query: dentistList,
    responses: { 200: { description: 'The dentists', schema: z.object({ dentists: z.array(dentistView), total: z.number() }) } },
    example: { query: { active_only: true } },
    handler: listAllDentists,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/dental/dentist/:id',
    summary: 'One dentist',
    access: 'staff',
    params: idParams,
    responses: { 200: { description: 'The dentist', schema: z.object({ dentist: dentistView }) } },
    handler: showDentist,
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/dental/dentist/:id',
    summary: 'Change a dentist',
    access: 'staff',
    params: idParams,
    body: dentistChanges,
    responses: { 200: { description: 'Updated', schema: dentistAnswer } },
    handler: changeDentist,
  }),
];
