-- 政策调整: a district's change for a class of units, linked to the needs that motivated it, applied to the
-- running tasks through Temporal. Each task it touches has a row here, so an interrupted application resumes
-- where it stopped and never applies twice.
create table adjustments (
  id uuid primary key default gen_random_uuid(),
  number text not null,
  district_id uuid not null references orgs (id),
  plan_id uuid not null references plans (id),
  kind text not null check (kind in ('target', 'extend', 'exempt', 'support')),
  -- { unitTypes?, sizeClasses?, townshipIds?, orgIds? }: every given criterion must hold
  class jsonb not null,
  indicators text[] not null default '{}',
  target numeric,
  deadline timestamptz,
  reason text not null,
  note text,
  attachments uuid[] not null default '{}',
  needs uuid[] not null default '{}',
  state text not null default 'applying' check (state in ('applying', 'applied')),
  total_units integer not null,
  total_tasks integer not null,
  done_tasks integer not null default 0,
  skipped_tasks integer not null default 0,
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  applied_at timestamptz,
  unique (district_id, number)
);
create index adjustments_plan on adjustments (plan_id, created_at desc);

create table adjustment_tasks (
  adjustment_id uuid not null references adjustments (id),
  task_id uuid not null references tasks (id),
  org_id uuid not null references orgs (id),
  status text not null default 'pending' check (status in ('pending', 'done', 'skipped')),
  detail text,
  primary key (adjustment_id, task_id)
);
create index adjustment_tasks_pending on adjustment_tasks (adjustment_id, org_id) where status = 'pending';

alter table needs add constraint needs_adjustment foreign key (adjustment_id) references adjustments (id);
