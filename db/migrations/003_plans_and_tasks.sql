-- The yearly cycle. Temporal holds each task's state machine; these tables are its projection,
-- written by idempotent activities, and what the API reads.
create table plans (
  id uuid primary key default gen_random_uuid(),
  district_id uuid not null references orgs (id),
  year integer not null check (year between 2000 and 2100),
  name text not null,
  deadline timestamptz not null,
  catalogue_version integer not null references catalogue_versions (version),
  indicators text[] not null,
  targets jsonb not null default '{}'::jsonb,
  deadlines jsonb not null default '{}'::jsonb,
  escalation jsonb not null default '{}'::jsonb,
  auto_dispatch_after text,
  status text not null default 'draft' check (status in ('draft', 'issued', 'closing', 'closed')),
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  issued_at timestamptz,
  closed_at timestamptz
);
create index plans_district on plans (district_id, year);

-- Which townships have split the plan to their units (分办).
create table plan_townships (
  plan_id uuid not null references plans (id),
  township_id uuid not null references orgs (id),
  status text not null default 'issued' check (status in ('issued', 'dispatched')),
  dispatched_at timestamptz,
  dispatched_by text,
  primary key (plan_id, township_id)
);

create table tasks (
  id uuid primary key default gen_random_uuid(),
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  township_id uuid not null references orgs (id),
  district_id uuid not null references orgs (id),
  indicator text not null,
  category text not null,
  department text not null,
  two_tier boolean not null,
  state text not null default 'issued'
    check (state in ('issued', 'dispatched', 'claimed', 'reported', 'returned', 'reviewed', 'approved', 'exited')),
  target numeric not null,
  deadline timestamptz not null,
  responsible text,
  value numeric,
  points numeric,
  max_points numeric not null,
  exit_reason text,
  frozen boolean not null default false,
  -- Bumped by every change the workflow makes; a projection only lands if it is newer.
  version integer not null default 0,
  updated_at timestamptz not null default now(),
  -- Exactly one task per (plan, unit, indicator), whatever retries and restarts happen.
  unique (plan_id, org_id, indicator)
);
create index tasks_inbox_unit on tasks (org_id, plan_id, deadline);
create index tasks_inbox_township on tasks (township_id, plan_id, state, deadline);
create index tasks_plan_state on tasks (plan_id, state);

create table task_reports (
  task_id uuid not null references tasks (id),
  seq integer not null,
  value numeric not null,
  note text,
  evidence uuid[] not null default '{}',
  final boolean not null,
  reported_by text not null,
  reported_at timestamptz not null,
  primary key (task_id, seq)
);

create table uploads (
  id uuid primary key default gen_random_uuid(),
  sha256 text not null,
  size bigint not null,
  content_type text not null,
  filename text not null,
  org_id uuid not null references orgs (id),
  uploaded_by uuid not null references users (id),
  created_at timestamptz not null default now()
);

-- A repeated request with the same Idempotency-Key gets the first answer back.
create table idempotency_keys (
  user_id uuid not null references users (id),
  key text not null,
  request_hash text not null,
  status integer not null,
  body jsonb not null,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);

create table plan_results (
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  total numeric not null,
  categories jsonb not null,
  band text not null,
  failed_gates text[] not null,
  rank integer not null,
  primary key (plan_id, org_id)
);

create table commendations (
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  kind text not null check (kind in ('commended', 'delisted')),
  band text not null,
  reason text not null,
  primary key (plan_id, org_id, kind)
);

-- Projections append their audit entries with a key, so a retried activity writes each once.
alter table audit_log add column event_key text;
create unique index audit_log_event_key on audit_log (event_key) where event_key is not null;
