-- An upload's quota reservation is a row with a lease instead of a counter: a counter bumped by an
-- API that then crashed mid-upload stayed reserved forever. A lapsed lease counts for nothing and is
-- removed by the owner's next reservation. (Dropping the column drops its checks with it.)
create table quota_reservations (
  id         bigint generated always as identity primary key,
  owner_id   bigint not null references quotas (owner_id) on delete cascade,
  bytes      bigint not null check (bytes > 0),
  expires_at timestamptz not null
);
create index quota_reservations_owner on quota_reservations (owner_id, expires_at);

alter table quotas drop column reserved_bytes;
