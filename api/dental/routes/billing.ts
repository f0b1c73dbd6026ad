// Treatments, payments, a patient's ledger and the practice's figures. Money comes in as a decimal
// string or number with at most two decimals and is handled as exact text from then on.
import { ForeignKeyIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import { formatInZone, toPracticeWallClock } from '../../../core/dental/time.js';
import { type AppointmentStatus, findAppointment } from '../../../db/dental/appointments.js';
import { insertPayment, insertTreatment, listTreatments, patientLedger, practiceStats, updateTreatment } from '../../../db/dental/billing.js';
import { findPatient } from '../../../db/dental/patients.js';
import { ApiError, invalidFields, notFound } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { statsView, treatmentView } from '../present.js';
import type { DentalContext, DentalServices } from '../services.js';

/**
 * No single charge or payment of a dental practice comes near this; a larger figure is a typing
 * slip (an extra zero or two), caught here before it lands in a patient's balance.
 */
const MAX_AMOUNT = 1_000_000;
/** "12.50" or 12.5 → "12.50"-exact text; never through float arithmetic. */
const money = (label: string) =>
  z
    .union([z.string(), z.number()])
    .transform((value) => String(value).trim())
    .refine((value) => /^\d{1,10}(\.\d{1,2})?$/.test(value), `${label} must be an amount such as 120 or 120.50`)
    // Number() compares to the cent exactly for the ten digits and two decimals the line above lets through.
    .refine((value) => !(Number(value) > MAX_AMOUNT), `${label} must be at most ${MAX_AMOUNT}.00`);
const toothNumber = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).toUpperCase())
  .refine((value) => /^([1-9]|[12]\d|3[0-2]|[A-T])$/.test(value), 'must be 1–32 (permanent) or A–T (primary teeth)');
const treatmentName = z.string().trim().min(1).max(200);
const treatmentNotes = z.string().trim().max(5000).nullable().optional();
const TREATMENT_DATE_RULE = 'must be a date (2024-12-01) or a date and time (2024-12-01T14:00:00) from 1900 to 2199';
/**
 * A date, or a date and time of the practice (the Flask system sent `2024-12-01T14:00:00`). Its form is
 * checked here, with the other fields; `practiceDate` reads it in the practice's zone.
 */
const treatmentDate = z
  .string()
  .max(40)
  .refine((value) => withinTreatmentYears(toPracticeWallClock(value, 'UTC')), TREATMENT_DATE_RULE);

function withinTreatmentYears(wallClock: string | null): wallClock is string {
  return wallClock !== null && wallClock >= '1900' && wallClock < '2200';
}

/** `name`, or the Flask system's `treatment_name`: either, or both alike (different values are refused, not guessed between). */
function withTreatmentName<T extends { name?: string; treatment_name?: string }>(schema: z.ZodType<T>, required: boolean) {
  return schema
    .superRefine((input, context) => {
      if (input.name !== undefined && input.treatment_name !== undefined && input.name !== input.treatment_name) {
        context.addIssue({ code: 'custom', path: ['treatment_name'], message: 'is another name for name: send one of them, or the same value in both' });
      } else if (required && input.name === undefined && input.treatment_name === undefined) {
        context.addIssue({ code: 'custom', path: ['name'], message: 'is required (or treatment_name, the Flask system’s name)' });
      }
    })
    .transform(({ treatment_name, ...input }) => ({ ...input, name: input.name ?? treatment_name }));
}

/** Care is recorded against an appointment that is or will be held, never one cancelled or missed. */
const UNTREATABLE: AppointmentStatus[] = ['cancelled', 'no_show'];
function appointmentNotHeld(appointmentId: number, status?: AppointmentStatus) {
  const what = status === 'cancelled' ? 'was cancelled' : status === 'no_show' ? 'was a no-show' : 'was cancelled or marked a no-show meanwhile';
  return new ApiError(409, 'appointment_not_held', `Appointment ${appointmentId} ${what}; a treatment cannot be recorded against it`, {
    details: { appointment_id: appointmentId },
  });
}

/**
 * A treatment date as the practice's wall-clock time. Read here rather than in the schema: how a time
 * without an offset reads depends on the practice's zone, which the service's config gives.
 */
function practiceDate(value: string, timeZone: string): string {
  const wallClock = toPracticeWallClock(value, timeZone);
  if (withinTreatmentYears(wallClock)) return wallClock;
  // Only an instant at the edge of the years, moved across it by the zone, comes here.
  throw invalidFields({ treatment_date: [`${TREATMENT_DATE_RULE} (read in ${timeZone})`] });
}

async function requirePatient({ pool }: DentalServices, id: number) {
  if (!(await findPatient(pool, id))) throw invalidFields({ patient_id: ['no such patient'] });
}

/** What a treatment's record says, changeable field by field. */
const treatmentFields = z.object({
  name: treatmentName.optional(),
  treatment_name: treatmentName.optional().describe('The same as name (the Flask system’s name)'),
  description: z.string().trim().max(5000).nullable().optional(),
  notes: treatmentNotes,
  tooth_number: toothNumber.nullable().optional(),
  treatment_date: treatmentDate.optional(),
  cost: money('cost').optional(),
});
const newTreatment = withTreatmentName(
  treatmentFields.extend({ patient_id: fields.id, appointment_id: fields.id.nullable().optional(), cost: money('cost') }),
  true,
);
const treatmentChanges = withTreatmentName(treatmentFields, false);
const treatmentList = z.object({ patient_id: fields.id.optional(), page: fields.page, per_page: fields.perPage(200, 50) });
const newPayment = z.object({
  patient_id: fields.id,
  treatment_id: fields.id.nullable().optional(),
  amount: money('amount').refine((value) => Number(value) > 0, 'amount must be more than 0'),
  method: z.enum(['cash', 'card', 'insurance', 'transfer']),
});
const idParams = z.object({ id: fields.id });
const treatmentAnswer = z.object({ message: z.string(), treatment: treatmentView });

async function recordTreatment({ services, body, event }: DentalContext<{ access: 'staff'; body: typeof newTreatment }>) {
  const { pool, practice, presenter } = services;
  const treatmentDate = body.treatment_date === undefined ? formatInZone(new Date(), practice.timeZone).slice(0, 19) : practiceDate(body.treatment_date, practice.timeZone);
  await requirePatient(services, body.patient_id);
  if (body.appointment_id) {
    const appointment = await findAppointment(pool, body.appointment_id);
    if (!appointment || appointment.patient_id !== body.patient_id) throw invalidFields({ appointment_id: ['no such appointment of this patient'] });
    if (UNTREATABLE.includes(appointment.status)) throw appointmentNotHeld(appointment.id, appointment.status);
  }
  const treatment = await insertTreatment(pool, {
    patientId: body.patient_id,
    appointmentId: body.appointment_id ?? null,
    name: body.name!,
    description: body.description,
    notes: body.notes,
    toothNumber: body.tooth_number,
    treatmentDate,
    cost: body.cost,
  });
  if (!treatment) throw appointmentNotHeld(body.appointment_id!);
  event.res.status = 201;
  return { message: 'Treatment recorded successfully', treatment: presenter.treatment(treatment) };
}

async function listPatientTreatments({ services: { pool, presenter }, query }: DentalContext<{ access: 'staff'; query: typeof treatmentList }>) {
  const { treatments, total } = await listTreatments(pool, { patientId: query.patient_id, page: query.page, perPage: query.per_page });
  return pageOf('treatments', treatments.map(presenter.treatment), total, query);
}

async function changeTreatment({ services: { pool, practice, presenter }, params, body }: DentalContext<{ access: 'staff'; params: typeof idParams; body: typeof treatmentChanges }>) {
  const treatment = await updateTreatment(pool, params.id, {
    name: body.name,
    description: body.description,
    notes: body.notes,
    toothNumber: body.tooth_number,
    treatmentDate: body.treatment_date === undefined ? undefined : practiceDate(body.treatment_date, practice.timeZone),
    cost: body.cost,
  });
  if (!treatment) throw notFound('No such treatment');
  return { message: 'Treatment updated successfully', treatment: presenter.treatment(treatment) };
}

async function recordPayment({ services, body, event }: DentalContext<{ access: 'staff'; body: typeof newPayment }>) {
  await requirePatient(services, body.patient_id);
  try {
    const payment = await insertPayment(services.pool, { patientId: body.patient_id, treatmentId: body.treatment_id ?? null, amount: body.amount, method: body.method });
    if (!payment) throw invalidFields({ treatment_id: ['no such treatment of this patient'] });
    event.res.status = 201;
    return { message: 'Payment recorded successfully', payment };
  } catch (error) {
    if (error instanceof ForeignKeyIntegrityConstraintViolationError) throw invalidFields({ patient_id: ['no such patient'] });
    throw error;
  }
}

async function showLedger({ services: { pool, practice }, params }: DentalContext<{ access: 'staff'; params: typeof idParams }>) {
  if (!(await findPatient(pool, params.id))) throw notFound('No such patient');
  const entries = await patientLedger(pool, params.id, practice.timeZone);
  return { patient_id: params.id, entries, balance: entries.at(-1)?.balance ?? '0.00' };
}

async function showStats({ services: { pool, practice, presenter } }: DentalContext<{ access: 'staff' }>) {
  return presenter.stats(await practiceStats(pool, practice.timeZone));
}

export const billingRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/dental/treatments',
    summary: 'Record a treatment (a charge on the patient’s account)',
    access: 'staff',
    description: 'The Flask system’s treatment_name is accepted for name, and answered beside it; treatment_date defaults to now.',
    body: newTreatment,
    responses: { 201: { description: 'Recorded', schema: treatmentAnswer } },
    example: {
      body: { patient_id: 12, treatment_name: 'Cavity Filling', description: 'Filled cavity on tooth #14', tooth_number: '14', treatment_date: '2024-12-01T14:00:00', cost: 250 },
    },
    handler: recordTreatment,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/dental/treatments',
    summary: 'Treatments, newest first (of one patient with patient_id)',
    access: 'staff',
    query: treatmentList,
    responses: { 200: { description: 'One page of treatments', schema: pageSchema('treatments', treatmentView) } },
    example: { query: { patient_id: 12 } },
    handler: listPatientTreatments,
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/dental/treatment/:id',
    summary: 'Change a treatment (its payment status follows from its payments)',
    access: 'staff',
    params: idParams,
    body: treatmentChanges,
    responses: { 200: { description: 'Changed', schema: treatmentAnswer } },
    handler: changeTreatment,
  }),
  defineRoute({
    method: 'POST',
    path: '/api/dental/payments',
    summary: 'Record a payment (for one treatment, or on account)',
    access: 'staff',
    body: newPayment,
    handler: recordPayment,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/dental/patient/:id/ledger',
    summary: 'Charges, payments and the running balance of a patient',
    access: 'staff',
    params: idParams,
    handler: showLedger,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/dental/stats',
    summary: 'Practice figures: patients, dentists, appointments, no-show rate, revenue, outstanding balance',
    access: 'staff',
    description: 'The figures under stats, and the Flask system’s keys beside them at the top level.',
    responses: { 200: { description: 'The figures', schema: statsView } },
    handler: showStats,
  }),
];
