-- Versions of a file, per-user quotas with reservations, share links, and soft-deleted folders
-- (hidden at once, removed by the deletion workflow).
alter table folders add column deleted_at timestamptz;
alter table cloud_files add column deleted_at timestamptz;

-- Sibling names are unique among live folders/files only, so a deleted subtree frees its names.
drop index folders_sibling_name_unique;
create unique index folders_sibling_name_unique on folders (owner_id, parent_id, name) nulls not distinct where deleted_at is null;
drop index cloud_files_name_in_folder_unique;
create unique index cloud_files_name_in_folder_unique on cloud_files (owner_id, folder_id, name) nulls not distinct where deleted_at is null;

-- Every stored version of a file; cloud_files.version is the current one.
create table file_versions (
  id          bigint generated always as identity primary key,
  file_id     bigint not null references cloud_files (id) on delete cascade,
  version     integer not null check (version >= 1),
  storage_key text not null,
  size_bytes  bigint not null check (size_bytes >= 0),
  mime_type   text not null,
  created_at  timestamptz not null default now(),
  unique (file_id, version)
);
create index file_versions_storage_key on file_versions (storage_key);

-- Bytes in use are reserved before an upload writes anything, and released if it fails, so
-- concurrent uploads cannot overshoot the quota.
create table quotas (
  owner_id     bigint primary key,
  quota_bytes  bigint not null check (quota_bytes >= 0),
  used_bytes   bigint not null default 0 check (used_bytes >= 0),
  reserved_bytes bigint not null default 0 check (reserved_bytes >= 0),
  check (used_bytes + reserved_bytes <= quota_bytes or reserved_bytes = 0)
);

create table share_links (
  id             bigint generated always as identity primary key,
  token_hash     bytea not null unique,
  file_id        bigint not null references cloud_files (id) on delete cascade,
  owner_id       bigint not null,
  expires_at     timestamptz not null,
  password_hash  text,
  max_downloads  integer check (max_downloads > 0),
  download_count integer not null default 0,
  state          text not null default 'active' check (state in ('active', 'expired', 'revoked')),
  created_at     timestamptz not null default now()
);
create index share_links_file on share_links (file_id);
