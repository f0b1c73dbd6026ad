-- What the indexing workflow learns about an upload, and full-text search over it.
-- storage_key is the blob's sha256 (content-addressed): rows with the same content share one blob,
-- which is removed when the last row referencing it goes.
alter table media_files
  add column checksum       text check (checksum ~ '^[0-9a-f]{64}$'),
  add column metadata       jsonb not null default '{}',
  add column thumbnail_key  text,
  add column indexed_at     timestamptz,
  add column failure_reason text,
  add column search         tsvector;

create index media_files_search on media_files using gin (search);
create index media_files_storage_key on media_files (storage_key);
create index media_files_thumbnail_key on media_files (thumbnail_key) where thumbnail_key is not null;
