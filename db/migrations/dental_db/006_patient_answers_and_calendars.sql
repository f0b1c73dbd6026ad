-- Patients act on their appointments. Every status change is recorded with who made it (staff, or
-- the patient through a signed link); each appointment counts the changes a calendar entry must
-- follow (its iCalendar SEQUENCE: a move or a cancellation); a patient who already has an entry is
-- sent one notice per such change; and staff give dentists calendar feeds, of which only the
-- token's hash is kept.
alter table appointments add column calendar_sequence integer not null default 0;

create table appointment_status_changes (
  id             bigint generated always as identity primary key,
  appointment_id bigint not null references appointments (id) on delete cascade,
  from_status    text not null,
  to_status      text not null,
  channel        text not null check (channel in ('staff', 'patient_link')),
  changed_at     timestamptz not null default now()
);
create index appointment_status_changes_appointment on appointment_status_changes (appointment_id, id);

-- At most one notice per appointment and calendar sequence: a retried or replayed send is no second mail.
create table appointment_notices (
  id                bigint generated always as identity primary key,
  appointment_id    bigint not null references appointments (id) on delete cascade,
  calendar_sequence integer not null,
  kind              text not null check (kind in ('moved', 'cancelled')),
  channel           text not null check (channel in ('email', 'log')),
  status            text not null check (status in ('sending', 'sent', 'failed')),
  sent_at           timestamptz,
  error             text,
  created_at        timestamptz not null default now(),
  unique (appointment_id, calendar_sequence)
);

create table dentist_calendar_feeds (
  id         bigint generated always as identity primary key,
  dentist_id bigint not null references dentists (id),
  -- SHA-256 of the token: the token itself is shown once, when the feed is made.
  token_hash bytea not null unique check (length(token_hash) = 32),
  -- What the feed may show of each appointment beyond its time.
  shows      text[] not null check (shows <@ array['appointment_type', 'patient_first_name', 'patient_full_name']),
  created_by bigint not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index dentist_calendar_feeds_dentist on dentist_calendar_feeds (dentist_id, id);
