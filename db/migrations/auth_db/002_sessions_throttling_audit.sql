-- Sessions: one per login. Access tokens carry the session id (sid); ending a session ends them all.
create table sessions (
  id            uuid primary key default gen_random_uuid(),
  user_id       bigint not null references users (id) on delete cascade,
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz not null default now(),
  ip            text,
  user_agent    text check (length(user_agent) <= 512),
  ended_at      timestamptz,
  end_reason    text check (end_reason in ('logout', 'logout_all', 'password_changed', 'deactivated', 'role_changed', 'refresh_reuse', 'ended_by_user'))
);
create index sessions_active_by_user on sessions (user_id) where ended_at is null;

-- The feed other services poll for ended sessions (GET /api/auth/sessions/revoked?since=<id>).
create table session_revocations (
  id          bigint generated always as identity primary key,
  session_id  uuid not null references sessions (id) on delete cascade,
  revoked_at  timestamptz not null default now(),
  -- After this, every access token of the session has expired anyway: no one needs the entry.
  expires_at  timestamptz not null
);

-- Refresh tokens rotate on every use; only a hash is stored. All tokens of a session are a family:
-- presenting a used token after the grace window ends the whole session.
create table refresh_tokens (
  id          bigint generated always as identity primary key,
  session_id  uuid not null references sessions (id) on delete cascade,
  token_hash  bytea not null unique,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  used_at     timestamptz
);
create index refresh_tokens_session on refresh_tokens (session_id);

-- Login attempts, for throttling that works across several API instances.
create table login_attempts (
  id           bigint generated always as identity primary key,
  identifier   text not null,
  ip           text not null,
  succeeded    boolean not null,
  attempted_at timestamptz not null default now()
);
create index login_attempts_identifier on login_attempts (identifier, attempted_at desc);
create index login_attempts_ip on login_attempts (ip, attempted_at desc) where not succeeded;

-- Who did what, when and from where: logins, failures, refreshes, password changes, session ends, role changes.
create table audit_events (
  id          bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  event       text not null,
  user_id     bigint references users (id) on delete set null,
  actor_id    bigint references users (id) on delete set null,
  ip          text,
  user_agent  text,
  details     jsonb not null default '{}'
);
create index audit_events_time on audit_events (occurred_at desc);
create index audit_events_user on audit_events (user_id, occurred_at desc);
