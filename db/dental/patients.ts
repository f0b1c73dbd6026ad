// Queries on patients. Deactivation instead of deletion: their history stays.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { containing } from '../like.js';
import { countRow, pageWithTotal } from '../rows.js';

export const patientRow = z.object({
  id: z.number(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string(),
  phone: z.string(),
  date_of_birth: z.string().nullable(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postal_code: z.string().nullable(),
  country: z.string().nullable(),
  emergency_contact_name: z.string().nullable(),
  emergency_contact_phone: z.string().nullable(),
  insurance_provider: z.string().nullable(),
  insurance_number: z.string().nullable(),
  medical_notes: z.string().nullable(),
  allergies: z.string().nullable(),
  is_active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Patient = z.infer<typeof patientRow>;

export const PATIENT_FIELDS = [
  'first_name', 'last_name', 'email', 'phone', 'date_of_birth', 'address', 'city', 'state', 'postal_code', 'country',
  'emergency_contact_name', 'emergency_contact_phone', 'insurance_provider', 'insurance_number',
  'medical_notes', 'allergies', 'is_active',
] as const;
export type PatientInput = Partial<Record<(typeof PATIENT_FIELDS)[number], string | boolean | null>>;

const patientPageRow = patientRow.extend({ total: z.number() });
const COLUMNS = sql.join(patientRow.keyof().options.map((name) => sql.identifier([name])), sql.fragment`, `);

export function insertPatient(db: CommonQueryMethods, input: PatientInput) {
  const names = PATIENT_FIELDS.filter((name) => input[name] !== undefined);
  return db.one(sql.type(patientRow)`
    insert into patients (${sql.join(names.map((name) => sql.identifier([name])), sql.fragment`, `)})
    values (${sql.join(names.map((name) => input[name] ?? null), sql.fragment`, `)})
    returning ${COLUMNS}`);
}

export function updatePatient(db: CommonQueryMethods, id: number, input: PatientInput) {
  const names = PATIENT_FIELDS.filter((name) => input[name] !== undefined);
  if (!names.length) return findPatient(db, id);
  return db.maybeOne(sql.type(patientRow)`
    update patients set ${sql.join(names.map((name) => sql.fragment`${sql.identifier([name])} = ${input[name] ?? null}`), sql.fragment`, `)},
      updated_at = now()
    where id = ${id}
    returning ${COLUMNS}`);
}

export function findPatient(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(patientRow)`select ${COLUMNS} from patients where id = ${id}`);
}

export async function searchPatients(
  db: CommonQueryMethods,
  options: { search?: string; activeOnly: boolean; page: number; perPage: number },
) {
  const conditions = [sql.fragment`true`];
  if (options.activeOnly) conditions.push(sql.fragment`is_active`);
  if (options.search) {
    // Matches the trigram index patients_search_trgm.
    conditions.push(sql.fragment`lower(first_name || ' ' || last_name || ' ' || email || ' ' || phone) like ${containing(options.search.toLowerCase())}`);
  }
  const where = sql.join(conditions, sql.fragment` and `);
  const page = sql.fragment`order by last_name, first_name, id limit ${options.perPage} offset ${(options.page - 1) * options.perPage}`;
  const count = () => db.oneFirst(sql.type(countRow)`select count(*)::int as count from patients where ${where}`);
  if (!options.search) {
    // Browsing everyone: the page is a top-N sort and the count a plain scan; a window count would sort all rows.
    const [patients, total] = await Promise.all([db.any(sql.type(patientRow)`select ${COLUMNS} from patients where ${where} ${page}`), count()]);
    return { patients, total };
  }
  // A search walks the trigram index once: its matches are few, and each row carries their count.
  const rows = await db.any(sql.type(patientPageRow)`select ${COLUMNS}, count(*) over ()::int as total from patients where ${where} ${page}`);
  const { rows: patients, total } = await pageWithTotal(rows, options.page, count);
  return { patients, total };
}
