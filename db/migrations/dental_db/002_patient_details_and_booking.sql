-- Patient details the front desk records, fast search over 100k patients, dentist working hours,
-- and one reminders row per appointment × offset × time (a reminder is never sent twice).
create extension if not exists pg_trgm;

alter table patients
  add column address                 text check (length(address) <= 300),
  add column city                    text check (length(city) <= 100),
  add column postal_code             text check (length(postal_code) <= 20),
  add column emergency_contact_name  text check (length(emergency_contact_name) <= 200),
  add column emergency_contact_phone text check (length(emergency_contact_phone) <= 40),
  add column insurance_provider      text check (length(insurance_provider) <= 200),
  add column insurance_number        text check (length(insurance_number) <= 100),
  add column medical_notes           text check (length(medical_notes) <= 10000),
  add column allergies               text check (length(allergies) <= 2000);

-- One trigram index serves name, email and phone search (ILIKE '%…%').
create index patients_search_trgm on patients
  using gin ((lower(first_name || ' ' || last_name || ' ' || email || ' ' || phone)) gin_trgm_ops);

alter table dentists
  add column phone         text check (length(phone) <= 40),
  -- {"mon": [["09:00","17:00"]], ...} in the practice time zone; null: any time, as the Flask system did.
  add column working_hours jsonb;

create table reminders (
  id             bigint generated always as identity primary key,
  appointment_id bigint not null references appointments (id) on delete cascade,
  offset_minutes integer not null check (offset_minutes > 0),
  scheduled_for  timestamptz not null,
  channel        text not null check (channel in ('email', 'log')),
  status         text not null check (status in ('sending', 'sent', 'failed', 'skipped')),
  sent_at        timestamptz,
  error          text,
  created_at     timestamptz not null default now(),
  unique (appointment_id, offset_minutes, scheduled_for)
);
