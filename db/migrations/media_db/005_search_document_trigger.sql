-- A file's search document follows what it is made of: its name, description, tags and the metadata
-- indexing found. It was written only when indexing finished, so a description or tags edited later
-- were never found (the old ones still were), and a file still processing, or whose indexing failed,
-- could not be found even by its name.
create function media_files_search_document() returns trigger language plpgsql as $$
begin
  new.search := setweight(to_tsvector('simple', regexp_replace(new.original_name, '[._-]+', ' ', 'g')), 'A')
             || setweight(to_tsvector('simple', new.description), 'B')
             || setweight(to_tsvector('simple', array_to_string(new.tags, ' ')), 'B')
             || setweight(jsonb_to_tsvector('simple', new.metadata, '["string", "numeric"]'), 'C');
  return new;
end $$;

create trigger media_files_search_document before insert or update of original_name, description, tags, metadata on media_files
  for each row execute function media_files_search_document();

-- Every existing row gets its document from the trigger.
update media_files set metadata = metadata;
