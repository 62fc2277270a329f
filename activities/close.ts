import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { transaction, type Sql } from '../db/client';
import { indexRow, publishedCatalogue, storeIndexRows } from '../db/queries/unit-index';
import { bandRank, unitStanding, type Band } from '../indicators';
import type { CloseResult } from '../workflows/plan-cycle.contract';
import { closeSignal, unitTasksWorkflowId, type Actor } from '../workflows/unit-tasks.contract';
import { tellSharedLadder } from './shared-ladder';

/** The title (表彰) goes to 三星 and above. */
const commendable = (band: Band) => bandRank[band] >= bandRank['三星'];

/**
 * Close a plan: freeze every unit's workflow as it stands, score each unit from its approved tasks
 * by the plan's catalogue version, list commendations, and de-list units commended last time that
 * fell below the bar (能进能出). Idempotent: results and lists are keyed by (plan, unit).
 */
export async function closePlan(deps: { sql: Sql; temporal: Client }, input: { planId: string; actor: Actor }): Promise<CloseResult> {
  const { sql, temporal } = deps;
  await sql`update plans set status = 'closing' where id = ${input.planId} and status = 'issued'`;
  // The shared ladder looks again, finds the plan closing, and ends.
  await tellSharedLadder(temporal, input.planId);
  const units = await sql<{ orgId: string }[]>`
    select distinct org_id as "orgId" from tasks where plan_id = ${input.planId} and version > 0`;
  let signalled = 0;
  for (const { orgId } of units) {
    try {
      await temporal.workflow.getHandle(unitTasksWorkflowId(input.planId, orgId)).signal(closeSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // already finished: nothing to freeze
    }
    if (++signalled % 50 === 0) Context.current().heartbeat(signalled);
  }
  const frozen = await sql`
    update tasks set frozen = true where plan_id = ${input.planId} and state not in ('approved', 'exited') and not frozen returning id`;

  const [plan] = await sql<{ catalogueVersion: number; districtId: string }[]>`
    select catalogue_version as "catalogueVersion", district_id as "districtId" from plans where id = ${input.planId}`;
  const catalogue = await publishedCatalogue(sql, plan!.catalogueVersion);
  const tasks = await sql<{ orgId: string; townshipId: string; districtId: string; code: string; state: string; points: number | null }[]>`
    select t.org_id as "orgId", t.township_id as "townshipId", t.district_id as "districtId", t.indicator as code, t.state,
      t.points::float8 as points
    from tasks t join orgs o on o.id = t.org_id
    where t.plan_id = ${input.planId} and o.level = 'grassroots'`;
  const byUnit = new Map<string, (typeof tasks)[number][]>();
  for (const t of tasks) byUnit.set(t.orgId, [...(byUnit.get(t.orgId) ?? []), t]);
  // The same function as the live index, now final: a task the unit never received is left out, and a unit
  // that received nothing (its township never dispatched) has no index, no rank and no band.
  const standings = [...byUnit.values()].map((list) => ({ unit: list[0]!, standing: unitStanding(catalogue, list, { final: true }) }));
  const scored = standings
    .filter((s) => s.standing.total !== null)
    .map((s) => ({ orgId: s.unit.orgId, index: { ...s.standing, total: s.standing.total!, band: s.standing.band! } }));
  scored.sort((a, b) => b.index.total - a.index.total);

  const previous = await sql<{ orgId: string; band: Band }[]>`
    select c.org_id as "orgId", c.band from commendations c
    where c.kind = 'commended' and c.plan_id = (
      select id from plans where district_id = ${plan!.districtId} and status = 'closed' and id <> ${input.planId}
      order by closed_at desc limit 1)`;
  const now = new Map(scored.map((s) => [s.orgId, s.index.band]));
  // Units that received nothing this time were not assessed: their township's omission is not their fall.
  const unassessed = new Set(standings.filter((s) => s.standing.total === null).map((s) => s.unit.orgId));

  return transaction(sql, async (tx) => {
    await storeIndexRows(tx, standings.map((s) => indexRow(input.planId, s.unit, s.standing)));
    if (scored.length > 0) {
      await tx`
        insert into plan_results ${tx(
          scored.map((s, i) => ({
            plan_id: input.planId,
            org_id: s.orgId,
            total: s.index.total,
            categories: s.index.categories,
            band: s.index.band,
            failed_gates: s.index.failedGates,
            rank: i + 1,
          })),
        )} on conflict do nothing`;
    }
    const commended = scored.filter((s) => commendable(s.index.band));
    const delisted = previous.filter((p) => !unassessed.has(p.orgId) && !commendable(now.get(p.orgId) ?? '不合格'));
    const lists = [
      ...commended.map((s) => ({ plan_id: input.planId, org_id: s.orgId, kind: 'commended', band: s.index.band, reason: `建家指数 ${s.index.total}，${s.index.band}` })),
      ...delisted.map((p) => ({
        plan_id: input.planId,
        org_id: p.orgId,
        kind: 'delisted',
        band: now.get(p.orgId) ?? '不合格',
        reason: `上一周期${p.band}，本周期${now.get(p.orgId) ?? '未参评'}，低于三星，撤销称号`,
      })),
    ];
    if (lists.length > 0) await tx`insert into commendations ${tx(lists)} on conflict do nothing`;
    await tx`update plans set status = 'closed', closed_at = coalesce(closed_at, now()) where id = ${input.planId}`;
    await tx`
      insert into audit_log (actor_id, actor_login, action, subject_type, subject_id, from_state, to_state, summary, event_key)
      values (${input.actor.id}, ${input.actor.login}, 'plan.close', 'plan', ${input.planId}, 'issued', 'closed',
        ${tx.json({ units: scored.length, commended: commended.length, delisted: delisted.length } as never)}, ${`plan:${input.planId}:close`})
      on conflict (event_key) where event_key is not null do nothing`;
    return { units: scored.length, frozenTasks: frozen.length, commended: commended.length, delisted: delisted.length };
  });
}
