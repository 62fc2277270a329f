-- Plans whose reminders and warnings one shared ladder workflow fires for every unit at once (set-wise SQL, a
-- township a transaction), instead of each unit's workflow waking for them. A row here is written once the plan's
-- shared ladder is started: from then on a unit started or re-armed gets its own timers for those rungs later
-- (LADDER_BACKSTOP_MS), as a backstop that finds them fired. `next_at` is the rung time the shared ladder waits for,
-- so a change that brings an earlier one wakes it.
create table shared_ladders (
  plan_id uuid primary key references plans (id),
  started_at timestamptz not null default now(),
  next_at timestamptz
);
