-- One digest per dentist per day: a Schedule run that is retried or triggered twice sends none twice.
create table dentist_digests (
  id                bigint generated always as identity primary key,
  dentist_id        bigint not null references dentists (id),
  digest_date       date not null,
  appointment_count integer not null check (appointment_count >= 0),
  channel           text not null check (channel in ('email', 'log')),
  sent_at           timestamptz not null default now(),
  unique (dentist_id, digest_date)
);
