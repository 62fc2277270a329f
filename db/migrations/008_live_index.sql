-- The 建家 index, live all year: one row per (plan, grassroots unit), rewritten in the transaction of every change
-- to one of the unit's tasks, so a reader never sees a task approved and the index stale. Ranks are computed when
-- read (they depend on every other unit). Provisional during the year; final at close.
create table unit_index (
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  township_id uuid not null references orgs (id),
  district_id uuid not null references orgs (id),
  categories jsonb not null,
  -- The five category indices as columns too, so roll-ups average numbers instead of reading jsonb per row.
  hs numeric generated always as ((categories->>'HS')::numeric) stored,
  gf numeric generated always as ((categories->>'GF')::numeric) stored,
  hl numeric generated always as ((categories->>'HL')::numeric) stored,
  wn numeric generated always as ((categories->>'WN')::numeric) stored,
  hx numeric generated always as ((categories->>'HX')::numeric) stored,
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

-- The ladder funnel counts rungs per plan and part of the tree without joining every task of the plan: each rung
-- carries its task's place (written by the rung's activity; filled here for rungs already fired).
alter table ladder_rungs add column plan_id uuid references plans (id), add column org_id uuid references orgs (id),
  add column township_id uuid references orgs (id), add column district_id uuid references orgs (id);
update ladder_rungs r set plan_id = t.plan_id, org_id = t.org_id, township_id = t.township_id, district_id = t.district_id
  from tasks t where t.id = r.task_id;
create index ladder_rungs_plan on ladder_rungs (plan_id, rung, task_id) include (district_id, township_id, org_id);

-- The screen's ten units furthest past a deadline.
create index tasks_plan_pressing on tasks (plan_id, deadline) where state in ('dispatched', 'claimed', 'returned');
