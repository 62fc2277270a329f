-- The guidance ladder (提醒、预警、督办、约谈), task lights and the notice outbox.
-- Temporal timers decide when a rung fires; these tables record that it did, once per deadline.

-- green: on track; blue: reminded; yellow: warned; red: a supervision order or summons is open.
alter table tasks add column light text not null default 'green' check (light in ('green', 'blue', 'yellow', 'red'));
create index tasks_plan_light on tasks (plan_id, light) where light <> 'green';

-- One row per rung fired for one deadline of one task; the key makes a retried activity fire it once.
create table ladder_rungs (
  task_id uuid not null references tasks (id),
  deadline timestamptz not null,
  rung text not null check (rung in ('remind', 'warn', 'supervise')),
  fired_at timestamptz not null,
  primary key (task_id, deadline, rung)
);

-- Document numbers (富工督〔2026〕12号) run per district and year without gaps.
create table document_counters (
  district_id uuid not null references orgs (id),
  kind text not null,
  year integer not null,
  last integer not null,
  primary key (district_id, kind, year)
);

-- 督办: a formal order to a unit (or a township for its own duties) to answer by a date.
create table supervision_orders (
  id uuid primary key default gen_random_uuid(),
  number text not null,
  task_id uuid not null references tasks (id),
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  township_id uuid not null references orgs (id),
  district_id uuid not null references orgs (id),
  issuer_org_id uuid not null references orgs (id),
  task_deadline timestamptz not null,
  reason text not null,
  issued_at timestamptz not null,
  respond_by timestamptz not null,
  response_text text,
  response_evidence uuid[],
  responded_at timestamptz,
  responded_by text,
  unique (task_id, task_deadline),
  -- Numbers run per district; two districts may share an abbreviation.
  unique (district_id, number)
);
create index supervision_orders_township on supervision_orders (township_id, issued_at desc);
create index supervision_orders_org on supervision_orders (org_id, issued_at desc);

-- 约谈: when an order's answer is overdue; the district records how it went.
create table summons (
  id uuid primary key default gen_random_uuid(),
  order_id uuid not null unique references supervision_orders (id),
  task_id uuid not null references tasks (id),
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  township_id uuid not null references orgs (id),
  district_id uuid not null references orgs (id),
  summoner_org_id uuid not null references orgs (id),
  proposed_at timestamptz not null,
  place text not null,
  created_at timestamptz not null,
  outcome text,
  held_at timestamptz,
  outcome_at timestamptz,
  outcome_by text
);
create index summons_township on summons (township_id, created_at desc);

-- In-app notices: one row per recipient user; `event_key` names the event so it lands once.
create table notices (
  id uuid primary key default gen_random_uuid(),
  event_key text not null,
  user_id uuid not null references users (id),
  org_id uuid not null references orgs (id),
  kind text not null check (kind in ('remind', 'warn', 'supervise', 'summons', 'urge')),
  task_id uuid references tasks (id),
  title text not null,
  body text not null,
  link text,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  unique (event_key, user_id)
);
create index notices_user on notices (user_id, created_at desc, id);

-- The outbox of external channels. `id` is the stable notice id a receiver uses to drop duplicates.
create table notice_deliveries (
  id uuid primary key default gen_random_uuid(),
  event_key text not null,
  org_id uuid not null references orgs (id),
  district_id uuid not null references orgs (id),
  channel text not null check (channel in ('webhook', 'email')),
  target text not null,
  subject text not null,
  content text not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  unique (event_key, channel, target)
);
create index notice_deliveries_due on notice_deliveries (next_attempt_at) where status = 'pending';
create index notice_deliveries_district on notice_deliveries (district_id, status, created_at desc);

-- A task's light follows from its state, its open orders and summons, and the rungs fired for its
-- current deadline. Every writer calls this after its change, in the same transaction.
create function refresh_task_light(p_task uuid) returns void language sql as $$
  update tasks t set light = case
      when t.state in ('approved', 'exited') then 'green'
      when exists (select 1 from supervision_orders o where o.task_id = t.id and o.responded_at is null)
        or exists (select 1 from summons s where s.task_id = t.id and s.outcome is null) then 'red'
      when exists (select 1 from ladder_rungs r where r.task_id = t.id and r.deadline = t.deadline and r.rung in ('warn', 'supervise')) then 'yellow'
      when exists (select 1 from ladder_rungs r where r.task_id = t.id and r.deadline = t.deadline and r.rung = 'remind') then 'blue'
      else 'green'
    end
  where t.id = p_task;
$$;
