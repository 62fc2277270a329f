// 督办 and 约谈 as the API reads and records them; every read is limited to the caller's part of the tree.
import type { CurrentUser } from '../../lib/user';
import type { Sql } from '../client';
import { taskScope } from './tasks';

export interface OrderRow {
  id: string;
  number: string;
  taskId: string;
  planId: string;
  orgId: string;
  orgName: string;
  indicator: string;
  issuerOrgId: string;
  issuer: string;
  taskDeadline: Date;
  reason: string;
  issuedAt: Date;
  respondBy: Date;
  responseText: string | null;
  responseEvidence: string[] | null;
  respondedAt: Date | null;
  respondedBy: string | null;
}

/** Orders in the caller's part of the tree matching `where` (on supervision_orders `t`), newest first. */
export async function findOrders(sql: Sql, user: CurrentUser, where: ReturnType<typeof taskScope>, limit: number) {
  return sql<OrderRow[]>`
    select t.id, t.number, t.task_id as "taskId", t.plan_id as "planId", t.org_id as "orgId", o.name as "orgName", k.indicator,
      t.issuer_org_id as "issuerOrgId", i.name as issuer, t.task_deadline as "taskDeadline", t.reason, t.issued_at as "issuedAt",
      t.respond_by as "respondBy", t.response_text as "responseText", t.response_evidence as "responseEvidence",
      t.responded_at as "respondedAt", t.responded_by as "respondedBy"
    from supervision_orders t join orgs o on o.id = t.org_id join orgs i on i.id = t.issuer_org_id join tasks k on k.id = t.task_id
    where ${taskScope(sql, user)} and ${where}
    order by t.issued_at desc, t.number desc limit ${limit}`;
}

export interface SummonsRow {
  id: string;
  orderId: string;
  orderNumber: string;
  taskId: string;
  planId: string;
  orgId: string;
  orgName: string;
  summoner: string;
  proposedAt: Date;
  place: string;
  createdAt: Date;
  outcome: string | null;
  heldAt: Date | null;
  outcomeAt: Date | null;
  outcomeBy: string | null;
}

/** Summons in the caller's part of the tree matching `where` (on summons `t`), newest first. */
export async function findSummons(sql: Sql, user: CurrentUser, where: ReturnType<typeof taskScope>, limit: number) {
  return sql<SummonsRow[]>`
    select t.id, t.order_id as "orderId", so.number as "orderNumber", t.task_id as "taskId", t.plan_id as "planId", t.org_id as "orgId",
      o.name as "orgName", sm.name as summoner, t.proposed_at as "proposedAt", t.place, t.created_at as "createdAt",
      t.outcome, t.held_at as "heldAt", t.outcome_at as "outcomeAt", t.outcome_by as "outcomeBy"
    from summons t join supervision_orders so on so.id = t.order_id join orgs o on o.id = t.org_id join orgs sm on sm.id = t.summoner_org_id
    where ${taskScope(sql, user)} and ${where}
    order by t.created_at desc, t.id limit ${limit}`;
}

/** Record a unit's answer to an order, once; false when it was already answered. Call in a transaction. */
export async function recordOrderAnswer(tx: Sql, order: Pick<OrderRow, 'id' | 'taskId'>, text: string, evidence: string[], by: string): Promise<boolean> {
  const answered = await tx`
    update supervision_orders set response_text = ${text}, response_evidence = ${evidence}::uuid[], responded_at = now(), responded_by = ${by}
    where id = ${order.id} and responded_at is null returning id`;
  if (answered.length === 0) return false;
  await tx`select refresh_task_light(${order.taskId})`;
  return true;
}

/** Record how a summons went, once; false when its outcome was already recorded. Call in a transaction. */
export async function recordSummonsOutcome(tx: Sql, summons: Pick<SummonsRow, 'id' | 'taskId'>, outcome: string, heldAt: string | null, by: string): Promise<boolean> {
  const recorded = await tx`
    update summons set outcome = ${outcome}, held_at = ${heldAt}, outcome_at = now(), outcome_by = ${by}
    where id = ${summons.id} and outcome_at is null returning id`;
  if (recorded.length === 0) return false;
  await tx`select refresh_task_light(${summons.taskId})`;
  return true;
}

/** A plan's year. */
export async function planYear(sql: Sql, planId: string): Promise<number> {
  const [plan] = await sql<{ year: number }[]>`select year from plans where id = ${planId}`;
  return plan!.year;
}
