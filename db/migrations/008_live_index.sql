-- The 建家 index, live all year: one row per (plan, grassroots unit), rewritten in the transaction of every change
-- to one of the unit's tasks, so a reader never sees a task approved and the index stale. Ranks are computed when
-- read (they depend on every other unit). Provisional during the year; final at close.
create table unit_index (
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  township_id uuid not null references orgs (id),
  district_id uuid not null references orgs (id),
  categories jsonb not null,
  total numeric,
  band text check (band in ('不合格', '合格', '三星', '四星', '五星')),
  provisional boolean not null,
  failed_gates text[] not null default '{}',
  coverage numeric not null,
  applicable_points numeric not null,
  evaluated_points numeric not null,
  applicable_tasks integer not null,
  approved_tasks integer not null,
  not_dispatched integer not null,
  updated_at timestamptz not null default now(),
  primary key (plan_id, org_id)
);
create index unit_index_township on unit_index (plan_id, township_id);
create index unit_index_ranking on unit_index (plan_id, total desc nulls last);

-- Trends: the district's and each township's index once a day (and on demand), per plan.
create table index_snapshots (
  plan_id uuid not null references plans (id),
  day date not null,
  -- 'district', or a township's id
  scope text not null,
  total numeric,
  categories jsonb not null,
  coverage numeric not null,
  units integer not null,
  -- the township's place among the district's townships that day (null for the district)
  rank integer,
  taken_at timestamptz not null default now(),
  primary key (plan_id, day, scope)
);

-- The screen's ten units furthest past a deadline.
create index tasks_plan_pressing on tasks (plan_id, deadline) where state in ('dispatched', 'claimed', 'returned');
