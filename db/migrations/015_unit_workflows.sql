-- Which units' workflows a plan has started. A township's dispatch now writes its tasks into the inboxes first (at
-- the database's pace) and starts the unit workflows after, paced by the units' queue; a chair's verb that reaches a
-- unit before its start starts it there and then. A row here means "started once": a unit whose row exists and whose
-- workflow is gone has finished, and is never started again.
create table unit_workflows (
  plan_id uuid not null references plans (id),
  org_id uuid not null references orgs (id),
  started_at timestamptz not null default now(),
  primary key (plan_id, org_id)
);

-- Every unit dispatched before this table existed was started in the same step.
insert into unit_workflows (plan_id, org_id)
select distinct plan_id, org_id from tasks where version > 0
on conflict do nothing;
