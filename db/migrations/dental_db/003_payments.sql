-- Payments against a patient's account, optionally for one treatment. Money is numeric(12,2):
-- exact, never floating point. A treatment's payment_status follows from its payments.
create table payments (
  id           bigint generated always as identity primary key,
  patient_id   bigint not null references patients (id),
  treatment_id bigint references treatments (id),
  amount       numeric(12, 2) not null check (amount > 0),
  method       text not null check (method in ('cash', 'card', 'insurance', 'transfer')),
  paid_at      timestamptz not null default now(),
  created_at   timestamptz not null default now()
);
create index payments_patient on payments (patient_id, paid_at);
create index payments_treatment on payments (treatment_id) where treatment_id is not null;
