-- Failed and throttled logins no longer keep what was typed as the email or username (sometimes a
-- password pasted into the wrong field): the account id says who, and a name no account has is a
-- keyed hash (api/auth/login-throttle.ts). Older audit rows forget it too, and the throttle's
-- unkeyed hashes of unknown names (a dictionary reads them back) go: they are no longer computed.
update audit_events set details = details - 'identifier' where details ? 'identifier';
delete from login_attempts where account_key like 'unknown:%';
