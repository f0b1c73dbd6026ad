// Treatments (charges), payments, the ledger and the practice's figures. All money arithmetic
// happens in PostgreSQL numeric; JavaScript only ever sees exact decimal strings. Sums stay plain
// numeric (round(…, 2) for the cents): a column's numeric(12,2) bounds one amount, not a total of
// many, and a cast back to it failed the whole dashboard once a practice's totals passed 10^10.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { countRow } from '../rows.js';
import { holdsTime, personName } from './appointments.js';

export const treatmentRow = z.object({
  id: z.number(),
  patient_id: z.number(),
  appointment_id: z.number().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  notes: z.string().nullable(),
  tooth_number: z.string().nullable(),
  /** The practice's wall-clock time, `2024-12-01 14:00:00` (a timestamp without time zone). */
  treatment_date: z.string(),
  cost: z.string(),
  payment_status: z.enum(['unpaid', 'partial', 'paid']),
  created_at: z.string(),
  updated_at: z.string(),
});
/** A treatment with its patient's name, joined in the same statement, for the answers that show it. */
export const treatmentWithPatientRow = treatmentRow.extend({ patient: personName });
export type TreatmentWithPatient = z.infer<typeof treatmentWithPatientRow>;
const treatmentColumnsOf = (table: string) => sql.join(treatmentRow.keyof().options.map((name) => sql.identifier([table, name])), sql.fragment`, `);
const TREATMENT_COLUMNS = sql.join(treatmentRow.keyof().options.map((name) => sql.identifier([name])), sql.fragment`, `);
const PATIENT_NAME = sql.fragment`jsonb_build_object('first_name', p.first_name, 'last_name', p.last_name) as patient`;

export interface TreatmentInput {
  patientId?: number;
  appointmentId?: number | null;
  name?: string;
  description?: string | null;
  notes?: string | null;
  toothNumber?: string | null;
  /** Practice wall-clock time, `2024-12-01T14:00:00`. */
  treatmentDate?: string;
  cost?: string;
}

/**
 * Null when the appointment is not the patient's or was cancelled or missed by the time the row is
 * written: the appointment is locked while it is checked, so a cancellation waits or is seen.
 */
export function insertTreatment(db: CommonQueryMethods, input: Required<Pick<TreatmentInput, 'patientId' | 'name' | 'cost' | 'treatmentDate'>> & TreatmentInput) {
  const appointmentId = input.appointmentId ?? null;
  return db.maybeOne(sql.type(treatmentWithPatientRow)`
    with inserted as (
      insert into treatments (patient_id, appointment_id, name, description, notes, tooth_number, treatment_date, cost)
      select ${input.patientId}, ${appointmentId}::bigint, ${input.name}, ${input.description ?? null}, ${input.notes ?? null},
             ${input.toothNumber ?? null}, ${input.treatmentDate}::timestamp, ${input.cost}::numeric
      where ${appointmentId}::bigint is null or exists (
        select 1 from appointments
        where id = ${appointmentId}::bigint and patient_id = ${input.patientId} and ${holdsTime()}
        for share)
      returning ${TREATMENT_COLUMNS}
    )
    select ${treatmentColumnsOf('inserted')}, ${PATIENT_NAME} from inserted join patients p on p.id = inserted.patient_id`);
}

/**
 * A treatment's payment status from its cost and everything paid towards it, read when the statement
 * runs. Callers lock the treatment first: a sum taken in one statement with the payment it records
 * misses a payment made at the same moment (two halves paid at once left it 'partial').
 */
const PAYMENT_STATUS = sql.fragment`(
  select case when coalesce(sum(p.amount), 0) = 0 then 'unpaid' when sum(p.amount) < treatments.cost then 'partial' else 'paid' end
  from payments p where p.treatment_id = treatments.id)`;

const patientIdRow = z.object({ patient_id: z.number() });
const lockTreatment = (db: CommonQueryMethods, id: number) =>
  db.maybeOneFirst(sql.type(patientIdRow)`select patient_id from treatments where id = ${id} for update`);

/** Changing the cost re-derives the payment status from what was paid. */
export function updateTreatment(db: CommonQueryMethods, id: number, input: TreatmentInput) {
  return db.transaction(async (transaction) => {
    if ((await lockTreatment(transaction, id)) === null) return null;
    await transaction.query(sql.unsafe`
      update treatments set
        name = coalesce(${input.name ?? null}, name),
        description = case when ${input.description !== undefined} then ${input.description ?? null} else description end,
        notes = case when ${input.notes !== undefined} then ${input.notes ?? null} else notes end,
        tooth_number = case when ${input.toothNumber !== undefined} then ${input.toothNumber ?? null} else tooth_number end,
        treatment_date = coalesce(${input.treatmentDate ?? null}::timestamp, treatment_date),
        cost = coalesce(${input.cost ?? null}::numeric, cost),
        updated_at = now()
      where id = ${id}`);
    // A second statement: the status must see the new cost.
    return transaction.one(sql.type(treatmentWithPatientRow)`
      update treatments set payment_status = ${PAYMENT_STATUS} from patients p
      where treatments.id = ${id} and p.id = treatments.patient_id
      returning ${treatmentColumnsOf('treatments')}, ${PATIENT_NAME}`);
  });
}

/** One page of treatments, newest first, of one patient or of everyone. */
export async function listTreatments(db: CommonQueryMethods, filter: { patientId?: number; page: number; perPage: number }) {
  const where = filter.patientId ? sql.fragment`where t.patient_id = ${filter.patientId}` : sql.fragment``;
  const [treatments, total] = await Promise.all([
    db.any(sql.type(treatmentWithPatientRow)`select ${treatmentColumnsOf('t')}, ${PATIENT_NAME} from treatments t join patients p on p.id = t.patient_id ${where}
      order by t.treatment_date desc, t.id desc limit ${filter.perPage} offset ${(filter.page - 1) * filter.perPage}`),
    db.oneFirst(sql.type(countRow)`select count(*)::int as count from treatments t ${where}`),
  ]);
  return { treatments, total };
}

export const paymentRow = z.object({
  id: z.number(),
  patient_id: z.number(),
  treatment_id: z.number().nullable(),
  amount: z.string(),
  method: z.string(),
  paid_at: z.string(),
});

/**
 * Records a payment and re-derives its treatment's payment status, the treatment locked meanwhile.
 * Null when the treatment is not this patient's.
 */
export function insertPayment(db: CommonQueryMethods, payment: { patientId: number; treatmentId: number | null; amount: string; method: string }) {
  return db.transaction(async (transaction) => {
    if (payment.treatmentId !== null && (await lockTreatment(transaction, payment.treatmentId)) !== payment.patientId) return null;
    const paid = await transaction.one(sql.type(paymentRow)`
      insert into payments (patient_id, treatment_id, amount, method)
      values (${payment.patientId}, ${payment.treatmentId}, ${payment.amount}::numeric, ${payment.method})
      returning id, patient_id, treatment_id, amount, method, paid_at`);
    if (payment.treatmentId !== null) {
      await transaction.query(sql.unsafe`update treatments set payment_status = ${PAYMENT_STATUS}, updated_at = now() where id = ${payment.treatmentId}`);
    }
    return paid;
  });
}

export const ledgerEntry = z.object({
  date: z.string(),
  kind: z.enum(['charge', 'payment']),
  reference_id: z.number(),
  description: z.string(),
  amount: z.string(),
  balance: z.string(),
});

/**
 * Charges and payments in time order with the running balance (what the patient owes). A charge's
 * time is the practice's wall-clock time, placed among the payments' instants in `timeZone`.
 */
export function patientLedger(db: CommonQueryMethods, patientId: number, timeZone: string) {
  return db.any(sql.type(ledgerEntry)`
    with entries as (
      select treatment_date at time zone ${timeZone} as at, 'charge' as kind, id as reference_id, name as description, cost as amount, cost as delta
      from treatments where patient_id = ${patientId}
      union all
      select paid_at, 'payment', id, 'Payment (' || method || ')', amount, -amount
      from payments where patient_id = ${patientId}
    )
    select at as date, kind, reference_id, description, amount::text as amount,
           round(sum(delta) over (order by at, kind, reference_id rows unbounded preceding), 2)::text as balance
    from entries order by at, kind, reference_id`);
}

export const statsRow = z.object({
  patients_total: z.number(),
  patients_active: z.number(),
  dentists_active: z.number(),
  appointments_today: z.number(),
  appointments_upcoming: z.number(),
  appointments_by_status: z.record(z.string(), z.number()),
  no_show_rate: z.string().nullable(),
  revenue_this_month: z.string(),
  revenue_total: z.string(),
  outstanding_balance: z.string(),
});

/** Every figure of the practice dashboard in one round trip; "today" and "this month" in the practice's zone. */
export function practiceStats(db: CommonQueryMethods, timeZone: string) {
  return db.one(sql.type(statsRow)`
    with bounds as (
      -- The day's end is the next local midnight: 23 or 25 hours away on the days clocks change.
      select (date_trunc('day', now() at time zone ${timeZone}) at time zone ${timeZone}) as day_start,
             ((date_trunc('day', now() at time zone ${timeZone}) + interval '1 day') at time zone ${timeZone}) as day_end,
             (date_trunc('month', now() at time zone ${timeZone}) at time zone ${timeZone}) as month_start
    )
    select
      (select count(*)::int from patients) as patients_total,
      (select count(*)::int from patients where is_active) as patients_active,
      (select count(*)::int from dentists where is_active) as dentists_active,
      (select count(*)::int from appointments, bounds
        where appointment_date >= day_start and appointment_date < day_end and status <> 'cancelled') as appointments_today,
      (select count(*)::int from appointments where appointment_date >= now() and status in ('scheduled', 'confirmed')) as appointments_upcoming,
      (select coalesce(jsonb_object_agg(status, n), '{}'::jsonb) from (select status, count(*)::int as n from appointments group by status) s) as appointments_by_status,
      (select case when count(*) filter (where status in ('completed', 'no_show')) = 0 then null
                   else round(count(*) filter (where status = 'no_show')::numeric / count(*) filter (where status in ('completed', 'no_show')), 4)::text end
         from appointments) as no_show_rate,
      (select round(coalesce(sum(amount), 0), 2)::text from payments, bounds where paid_at >= month_start) as revenue_this_month,
      (select round(coalesce(sum(amount), 0), 2)::text from payments) as revenue_total,
      -- What patients owe: one patient's credit does not cancel another's debt.
      (select round(coalesce(sum(greatest(owed, 0)), 0), 2)::text from (
         select sum(delta) as owed from (select patient_id, cost as delta from treatments union all select patient_id, -amount from payments) entries
         group by patient_id) balances) as outstanding_balance`);
}
