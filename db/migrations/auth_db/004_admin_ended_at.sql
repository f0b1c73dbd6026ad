-- When an account last stopped being an admin: for an hour after it, media refuses the `as=admin`
-- download URLs signed for it before (they open anyone's files), as it refuses a deactivated
-- account's URLs. Null for accounts never demoted from admin.
alter table users add column admin_ended_at timestamptz;
