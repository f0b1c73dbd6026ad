-- Login attempts are counted per account, not per string typed (#16 finding 5): an email and a
-- username of one account were two budgets. `account_key` is `account:<id>`, or for an identifier
-- that names no account `unknown:<sha-256 of it, NFC and lower-cased>`, so the table never holds
-- what people typed into the email field (sometimes their password).
alter table login_attempts add column account_key text;

-- Attempts of the last minutes keep counting across the upgrade.
update login_attempts attempt set account_key = coalesce(
  (select 'account:' || u.id from users u
   where lower(u.email) = attempt.identifier or lower(u.username) = attempt.identifier
   order by (lower(u.email) = attempt.identifier) desc
   limit 1),
  'unknown:' || encode(sha256(convert_to(attempt.identifier, 'UTF8')), 'hex'));

alter table login_attempts alter column account_key set not null;
alter table login_attempts drop column identifier;
create index login_attempts_account on login_attempts (account_key, attempted_at desc);

-- A success from an address now forgives that account's earlier failures from it, so the address
-- index must hold successes too.
drop index login_attempts_ip;
create index login_attempts_ip on login_attempts (ip, attempted_at desc);
