-- Wrong passwords on a share link are counted per link so guessing is throttled whichever address it
-- comes from; a success clears the count.
alter table share_links add column password_failures integer not null default 0;
alter table share_links add column password_failed_at timestamptz;

-- The share links still open for a file are looked up when the file is deleted (to end their workflows).
create index share_links_active_file on share_links (file_id) where state = 'active';
