-- One row per upload. owner_id is a user id of the auth service (no cross-database foreign key).
create table media_files (
  id            bigint generated always as identity primary key,
  owner_id      bigint not null,
  original_name text not null check (length(original_name) between 1 and 255),
  storage_key   text not null,
  file_type     text not null check (file_type in ('image', 'video', 'audio', 'document')),
  mime_type     text not null,
  size_bytes    bigint not null check (size_bytes >= 0),
  description   text not null default '' check (length(description) <= 5000),
  tags          text[] not null default '{}',
  is_public     boolean not null default false,
  status        text not null default 'processing' check (status in ('processing', 'indexed', 'failed')),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);

create index media_files_owner_created on media_files (owner_id, created_at desc);
create index media_files_public_created on media_files (created_at desc) where is_public;
