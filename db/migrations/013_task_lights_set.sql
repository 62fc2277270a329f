-- A task's light for many tasks in one statement (a unit's 23 rungs of one wave were 23 function calls, each its own
-- update), and no write when the light stays what it was: a task row is indexed on its light, so every rewrite
-- touched all of the table's indexes. refresh_task_light(uuid) keeps its name for the single-task callers and now
-- goes through the same rule.
create function refresh_task_lights(p_tasks uuid[]) returns void language sql as $$
  with computed as (
    select t.id, case
        when t.state in ('approved', 'exited') then 'green'
        when exists (select 1 from supervision_orders o where o.task_id = t.id and o.responded_at is null)
          or exists (select 1 from summons s where s.task_id = t.id and s.outcome is null) then 'red'
        when exists (select 1 from ladder_rungs r where r.task_id = t.id and r.deadline = t.deadline and r.rung in ('warn', 'supervise')) then 'yellow'
        when exists (select 1 from ladder_rungs r where r.task_id = t.id and r.deadline = t.deadline and r.rung = 'remind') then 'blue'
        else 'green'
      end as light
    from tasks t where t.id = any(p_tasks)
  )
  update tasks t set light = c.light from computed c where t.id = c.id and t.light is distinct from c.light;
$$;

create or replace function refresh_task_light(p_task uuid) returns void language sql as $$
  select refresh_task_lights(array[p_task]);
$$;
