// Queries on dentists.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

const hours = z.record(z.string(), z.array(z.tuple([z.string(), z.string()])));
export const dentistRow = z.object({
  id: z.number(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  license_number: z.string(),
  specialization: z.string().nullable(),
  working_hours: hours.nullable(),
  is_active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Dentist = z.infer<typeof dentistRow>;

export const DENTIST_FIELDS = ['first_name', 'last_name', 'email', 'phone', 'license_number', 'specialization', 'working_hours', 'is_active'] as const;
export type DentistInput = Partial<Record<(typeof DENTIST_FIELDS)[number], unknown>>;

const COLUMNS = sql.join(dentistRow.keyof().options.map((name) => sql.identifier([name])), sql.fragment`, `);
const value = (name: string, input: unknown) => (name === 'working_hours' ? (input === null ? null : sql.jsonb(input as never)) : (input as string | boolean | null));

export function insertDentist(db: CommonQueryMethods, input: DentistInput) {
  const names = DENTIST_FIELDS.filter((name) => input[name] !== undefined);
  return db.one(sql.type(dentistRow)`
    insert into dentists (${sql.join(names.map((name) => sql.identifier([name])), sql.fragment`, `)})
    values (${sql.join(names.map((name) => value(name, input[name])), sql.fragment`, `)})
    returning ${COLUMNS}`);
}

export function updateDentist(db: CommonQueryMethods, id: number, input: DentistInput) {
  const names = DENTIST_FIELDS.filter((name) => input[name] !== undefined);
  if (!names.length) return findDentist(db, id);
  return db.maybeOne(sql.type(dentistRow)`
    update dentists set ${sql.join(names.map((name) => sql.fragment`${sql.identifier([name])} = ${value(name, input[name])}`), sql.fragment`, `)},
      updated_at = now()
    where id = ${id}
    returning ${COLUMNS}`);
}

export function findDentist(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(dentistRow)`select ${COLUMNS} from dentists where id = ${id}`);
}

export function listDentists(db: CommonQueryMethods, activeOnly: boolean) {
  return db.any(sql.type(dentistRow)`
    select ${COLUMNS} from dentists ${activeOnly ? sql.fragment`where is_active` : sql.fragment``}
    order by last_name, first_name, id`);
}
