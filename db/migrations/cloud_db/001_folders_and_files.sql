-- A user's folder tree. owner_id is a user id of the auth service (no cross-database foreign key).
create table folders (
  id         bigint generated always as identity primary key,
  owner_id   bigint not null,
  parent_id  bigint references folders (id) on delete cascade,
  name       text not null check (
               octet_length(name) between 1 and 255 and name not in ('.', '..') and strpos(name, '/') = 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (parent_id is distinct from id)
);

-- Sibling names are unique, root folders included (NULLS NOT DISTINCT treats all roots as siblings).
create unique index folders_sibling_name_unique on folders (owner_id, parent_id, name) nulls not distinct;

create table cloud_files (
  id         bigint generated always as identity primary key,
  owner_id   bigint not null,
  folder_id  bigint references folders (id) on delete cascade,
  name       text not null check (
               octet_length(name) between 1 and 255 and name not in ('.', '..') and strpos(name, '/') = 0),
  mime_type  text not null default 'application/octet-stream',
  size_bytes bigint not null check (size_bytes >= 0),
  storage_key text not null,
  version    integer not null default 1 check (version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index cloud_files_name_in_folder_unique on cloud_files (owner_id, folder_id, name) nulls not distinct;
create index cloud_files_folder on cloud_files (folder_id);
