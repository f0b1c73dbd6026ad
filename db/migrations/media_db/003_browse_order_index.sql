-- Browsing walks files newest first; with this index a page is read in order instead of sorting the
-- whole visible library on every request.
create index media_files_created_id on media_files (created_at desc, id desc);
