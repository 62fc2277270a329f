-- The three-level union tree. The depth is fixed (district → township → grassroots), so each row
-- carries its district and township ids: scope checks are one equality, not a recursive walk.
create table orgs (
  id uuid primary key default gen_random_uuid(),
  code text not null unique,
  name text not null,
  level text not null check (level in ('district', 'township', 'grassroots')),
  parent_id uuid references orgs (id),
  district_id uuid not null references orgs (id),
  township_id uuid references orgs (id),
  unit_type text check (unit_type in ('enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment')),
  members integer check (members >= 0),
  female_members integer check (female_members >= 0),
  -- Size class is derived, never entered; indicators/size-class.ts holds the same thresholds.
  size_class text generated always as (
    case
      when members is null then null
      when members < 25 then 'micro'
      when members < 100 then 'small'
      when members < 1000 then 'medium'
      else 'large'
    end) stored,
  status text not null default 'active' check (status in ('active', 'dissolved', 'merged')),
  merged_into uuid references orgs (id),
  webhook_url text,
  revision integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (female_members is null or members is null or female_members <= members),
  check ((level = 'district') = (parent_id is null)),
  check ((level = 'grassroots') = (unit_type is not null)),
  check (level <> 'grassroots' or township_id is not null)
);
create index orgs_township on orgs (township_id) where level = 'grassroots';
create index orgs_parent on orgs (parent_id);

create table users (
  id uuid primary key default gen_random_uuid(),
  login text not null unique check (login ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  display_name text not null,
  role text not null check (role in ('district_admin', 'department_staff', 'township_officer', 'grassroots_chair')),
  org_id uuid not null references orgs (id),
  department text,
  email text,
  password_hash text not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  check ((role = 'department_staff') = (department is not null))
);
create index users_org on users (org_id);

-- Append-only record of who did what; the trigger below refuses edits and deletes.
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_id uuid,
  actor_login text,
  action text not null,
  subject_type text not null,
  subject_id text not null,
  from_state text,
  to_state text,
  summary jsonb not null default '{}'::jsonb
);
create index audit_log_subject on audit_log (subject_type, subject_id, id);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;
create trigger audit_log_no_update before update or delete or truncate on audit_log
  for each statement execute function audit_log_is_append_only();
