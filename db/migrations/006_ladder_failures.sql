-- Rungs and overdue-order summons that failed for good (the database refused them, or their task or
-- order is gone). The unit workflow never marks them fired; the district admin sees them here.
create table ladder_failures (
  id uuid primary key default gen_random_uuid(),
  plan_id uuid not null references plans (id),
  task_id uuid references tasks (id),
  order_id uuid,
  rung text not null check (rung in ('remind', 'warn', 'supervise', 'summons')),
  deadline timestamptz,
  error text not null,
  failed_at timestamptz not null default now(),
  -- A retried activity records one failure once.
  unique nulls not distinct (task_id, deadline, rung, order_id)
);
create index ladder_failures_plan on ladder_failures (plan_id, failed_at desc);
