-- Every browse page reports how many files the viewer may see. Counting them meant reading the whole
-- visible library on every request (3 ms at 10,000 files, growing with it). These per-owner counts,
-- kept by a trigger inside the same transaction as the rows they count, answer it from a few rows:
-- the viewer's own rows plus everyone's public rows.
create table media_file_counts (
  owner_id  bigint not null,
  file_type text not null,
  is_public boolean not null,
  files     bigint not null check (files >= 0),
  primary key (owner_id, file_type, is_public)
);
create index media_file_counts_public on media_file_counts (file_type) where is_public;

create function media_file_counts_follow() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then
    update media_file_counts set files = files - 1
    where owner_id = old.owner_id and file_type = old.file_type and is_public = old.is_public;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into media_file_counts as c (owner_id, file_type, is_public, files)
    values (new.owner_id, new.file_type, new.is_public, 1)
    on conflict (owner_id, file_type, is_public) do update set files = c.files + 1;
  end if;
  return null;
end $$;

create trigger media_file_counts_follow after insert or delete on media_files
  for each row execute function media_file_counts_follow();
create trigger media_file_counts_follow_update after update of owner_id, file_type, is_public on media_files
  for each row when ((old.owner_id, old.file_type, old.is_public) is distinct from (new.owner_id, new.file_type, new.is_public))
  execute function media_file_counts_follow();

insert into media_file_counts (owner_id, file_type, is_public, files)
select owner_id, file_type, is_public, count(*) from media_files group by 1, 2, 3;

-- A page deep in the library skips every visible row before it. With the visibility and type columns
-- in the browse index, that walk reads the index alone (an index-only scan) instead of each row.
drop index media_files_created_id;
create index media_files_browse on media_files (created_at desc, id desc) include (owner_id, is_public, file_type);
