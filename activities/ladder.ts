// The guidance ladder's side effects. The unit-tasks workflow decides when a rung is due; these
// activities record it (once per deadline, whatever retries happen), open orders and summons, set
// the task's light and write the notices: a wake-up's reminders and warnings in one transaction, each order and
// summons in its own.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { transaction, type Sql } from '../db/client';
import { beijingTime, writeNoticeBatch, writeNotices, type Channels, type NoticeEvent, type Party } from '../db/queries/notices';
import { currentCalendar } from '../db/queries/calendar';
import type { WorkingCalendar } from '../lib/calendar';
import { rungDigest } from '../lib/notice-digest';
import { isPermanentDbError, sqlState } from './failures';
import { backstopLadder, escalationSchema, ladderTimes, orderDue, policyFor, sharedRungs, spreadLadder, spreadOffsetMs, summonsTime, type LadderTimes } from '../lib/escalation';
import { wakeIfEarlier } from './shared-ladder';

/** LADDER_SPREAD_MS_PER_UNIT and where a plan's unit count comes from; LADDER_BACKSTOP_MS and which plans have a shared ladder. */
export interface LadderSpread {
  msPerUnit: number;
  planUnits(planId: string): Promise<number>;
  backstopMs?: number;
  shared?(planId: string): Promise<boolean>;
}

/**
 * Rung times for a unit's tasks: spread by the unit's place in its plan's wave (none when the spread is off) and,
 * when the plan has a shared ladder, the reminder and warning still ahead later again, as the backstop.
 */
export async function unitLadder(spread: LadderSpread | undefined, planId: string): Promise<(orgId: string, times: LadderTimes) => LadderTimes> {
  const backstopMs = spread?.backstopMs && spread.shared && (await spread.shared(planId)) ? spread.backstopMs : 0;
  const units = spread && spread.msPerUnit > 0 ? await spread.planUnits(planId) : 0;
  const now = Date.now();
  return (orgId, times) => {
    const spreadTimes = units > 0 ? spreadLadder(times, spreadOffsetMs(orgId, units, spread!.msPerUnit)) : times;
    return backstopLadder(times, spreadTimes, backstopMs, now);
  };
}

export interface LadderDeps {
  sql: Sql;
  spread?: LadderSpread;
  /** The calendar under the years stored through the API (the shipped table unless a test brings its own). */
  calendar: WorkingCalendar;
  channels: Channels;
  /** Base of the links in notice texts. */
  publicUrl: string;
  /** To wake a plan's shared ladder when a schedule brings a reminder or warning earlier than it waits for. */
  temporal?: Client;
}

async function planPolicy(sql: Sql, planId: string) {
  const [plan] = await sql<{ escalation: unknown }[]>`select escalation from plans where id = ${planId}`;
  if (!plan) throw ApplicationFailure.nonRetryable(`plan ${planId} not found`);
  return escalationSchema.parse(plan.escalation ?? {});
}

/** The calendar as it stands, counting a year whose holidays are not entered Monday–Friday. */
export const calendarNow = async (deps: LadderDeps) => (await currentCalendar(deps.sql, deps.calendar)).provisional();

export interface Schedule {
  times: Record<string, LadderTimes>;
  /**
   * Tasks whose times need a calendar year the table lacks. Always empty now that such a year is counted
   * Monday–Friday; kept because workflows running since before read it.
   */
  missing: Record<string, string>;
  /** When each open order of these tasks must be answered now (a corrected calendar moves it). */
  orders?: Record<string, string>;
}

/** Rung times for tasks whose deadline, policy or calendar changed, and the answer deadlines of their open orders. */
export async function ladderSchedule(deps: LadderDeps, input: { planId: string; tasks: { taskId: string; indicator: string; deadline: string }[] }): Promise<Schedule> {
  const escalation = await planPolicy(deps.sql, input.planId);
  const calendar = await calendarNow(deps);
  const result: Schedule = { times: {}, missing: {}, orders: {} };
  const spread = await unitLadder(deps.spread, input.planId);
  const orgOf = new Map<string, string>();
  if (deps.spread && deps.spread.msPerUnit > 0 && input.tasks.length > 0) {
    const rows = await deps.sql<{ id: string; orgId: string }[]>`select id, org_id as "orgId" from tasks where id in ${deps.sql(input.tasks.map((t) => t.taskId))}`;
    for (const r of rows) orgOf.set(r.id, r.orgId);
  }
  const now = Date.now();
  let earliest = Infinity;
  for (const t of input.tasks) {
    const times = ladderTimes(policyFor(escalation, t.indicator), new Date(t.deadline), calendar);
    result.times[t.taskId] = spread(orgOf.get(t.taskId) ?? t.taskId, times);
    for (const rung of sharedRungs) if (Date.parse(times[rung]) > now) earliest = Math.min(earliest, Date.parse(times[rung]));
  }
  // These tasks' own timers for a reminder or warning still ahead are backstops now if the plan has a shared ladder:
  // if one falls before the time it waits for (a new policy, a corrected calendar), it must look again. (A moved
  // deadline wakes it from its projection, once the new deadline is written: see deadlineMoved.)
  await wakeIfEarlier(deps, input.planId, earliest);
  if (input.tasks.length > 0) {
    const open = await deps.sql<{ id: string; respondBy: Date }[]>`
      select o.id, o.respond_by as "respondBy" from supervision_orders o
      where o.task_id in ${deps.sql(input.tasks.map((t) => t.taskId))} and o.responded_at is null
        and not exists (select 1 from summons s where s.order_id = o.id)`;
    for (const o of open) result.orders![o.id] = new Date(o.respondBy).toISOString();
  }
  return result;
}

export interface RungDue {
  taskId: string;
  rung: 'remind' | 'warn' | 'supervise';
  deadline: string;
}

export interface FireInput {
  planId: string;
  /** Workflow time when the rungs fell due; records carry it, not the activity's clock. */
  at: string;
  rungs: RungDue[];
  /** Orders whose answer is overdue: summon if still unanswered. */
  overdueOrders: string[];
}

export interface FireResult {
  orders: { taskId: string; orderId: string; respondBy: string }[];
  /** Orders settled: summoned now or earlier, or answered in time. */
  settled: string[];
  /** Orders not yet due after all: a corrected calendar moved their answer deadline to this time. */
  rescheduled?: { orderId: string; respondBy: string }[];
  /**
   * Rungs and orders that needed a calendar year the table lacked. Always empty now that such a year is counted
   * Monday–Friday; kept because workflows running since before read it.
   */
  deferred: { rungs: RungDue[]; orders: string[] };
  /** Rungs and orders that failed for good: recorded in ladder_failures for the district admin, never to be marked fired. */
  failed?: { rungs: RungDue[]; orders: string[] };
}

interface TaskFacts {
  id: string;
  planId: string;
  orgId: string;
  orgName: string;
  level: 'township' | 'grassroots';
  townshipId: string;
  townshipName: string;
  districtId: string;
  districtName: string;
  indicator: string;
  indicatorName: string;
  department: string;
  state: string;
  deadline: Date;
}

/** What the notices and records of a rung need to know about each task, by task id. */
async function tasksFacts(sql: Sql, taskIds: string[]): Promise<Map<string, TaskFacts>> {
  const rows = await sql<TaskFacts[]>`
    with wanted as (
      select id, plan_id, org_id, township_id, district_id, indicator, department, state, deadline from tasks where id in ${sql(taskIds)}),
    -- The indicators' names, read out of each plan's catalogue once (not once a task: the catalogue is one document).
    names as (
      select p.id as plan_id, i->>'code' as code, coalesce(i->'name'->>'zh', i->>'name') as name
      from plans p join catalogue_versions cv on cv.version = p.catalogue_version, jsonb_array_elements(cv.body->'indicators') i
      where p.id in (select distinct plan_id from wanted))
    select t.id, t.plan_id as "planId", t.org_id as "orgId", o.name as "orgName", o.level, t.township_id as "townshipId",
      tw.name as "townshipName", t.district_id as "districtId", d.name as "districtName", t.indicator,
      coalesce(n.name, t.indicator) as "indicatorName", t.department, t.state, t.deadline
    from wanted t join orgs o on o.id = t.org_id join orgs tw on tw.id = t.township_id join orgs d on d.id = t.district_id
    left join names n on n.plan_id = t.plan_id and n.code = t.indicator`;
  return new Map(rows.map((t) => [t.id, t]));
}

async function taskFacts(sql: Sql, taskId: string): Promise<TaskFacts> {
  const t = (await tasksFacts(sql, [taskId])).get(taskId);
  if (!t) throw ApplicationFailure.nonRetryable(`task ${taskId} not found`);
  return t;
}

const taskLink = (deps: LadderDeps, taskId: string) => `${deps.publicUrl}/api/v1/tasks/${taskId}`;
const subjectLine = (t: TaskFacts, deadline: Date | string) => `${t.orgName}「${t.indicator} ${t.indicatorName}」（截止 ${beijingTime(deadline)}）`;

/** The district's abbreviation for its documents: 杭州市富阳区总工会 → 富工督 (the city is dropped). */
const orderPrefix = (districtName: string) => `${districtName.replace(/^.+?市/, '').slice(0, 1)}工督`;

async function nextNumber(tx: Sql, districtId: string, kind: string, year: number): Promise<number> {
  const [row] = await tx<{ last: number }[]>`
    insert into document_counters (district_id, kind, year, last) values (${districtId}, ${kind}, ${year}, 1)
    on conflict (district_id, kind, year) do update set last = document_counters.last + 1
    returning last`;
  return row!.last;
}

/** 提醒 and 预警: a notice to the unit (and, for a warning, its township); no record besides the rung. */
function warningNotice(deps: LadderDeps, t: TaskFacts, due: RungDue): NoticeEvent {
  const common = { eventKey: rungEventKey(due), taskId: t.id, orgId: t.orgId, department: t.department, link: taskLink(deps, t.id) };
  return due.rung === 'remind'
    ? { ...common, kind: 'remind', parties: ['unit'], title: `【提醒】${t.indicator} ${t.indicatorName}`, body: `${subjectLine(t, due.deadline)}即将到期，请按时完成并上报。` }
    : { ...common, kind: 'warn', parties: ['unit', 'township'], title: `【预警】${t.indicator} ${t.indicatorName}`, body: `${subjectLine(t, due.deadline)}已到期仍未完成，请尽快上报。` };
}

const rungEventKey = (due: RungDue) => `${due.rung}:${due.taskId}:${new Date(due.deadline).toISOString()}`;

/**
 * Reminders and warnings due together (a unit's tasks sharing a deadline), in one transaction with a statement
 * or two per step for all of them: the rungs (once per deadline), the notices, the audit lines of the rungs
 * written now, the lights. A 5,000-unit district's deadline is 115,000 of these at the same moment.
 */
export async function fireWarnings(deps: LadderDeps, tx: Sql, dues: RungDue[], at: string): Promise<number> {
  const facts = await tasksFacts(tx, [...new Set(dues.map((d) => d.taskId))]);
  const missing = dues.find((d) => !facts.has(d.taskId));
  if (missing) throw ApplicationFailure.nonRetryable(`task ${missing.taskId} not found`);
  const of = (d: RungDue) => facts.get(d.taskId)!;
  const inserted = await tx<{ taskId: string; rung: string; deadline: Date }[]>`
    insert into ladder_rungs (task_id, deadline, rung, fired_at, plan_id, org_id, township_id, district_id)
    select * from unnest(${dues.map((d) => d.taskId)}::uuid[], ${dues.map((d) => d.deadline)}::timestamptz[], ${dues.map((d) => d.rung)}::text[],
      ${dues.map(() => at)}::timestamptz[], ${dues.map((d) => of(d).planId)}::uuid[], ${dues.map((d) => of(d).orgId)}::uuid[],
      ${dues.map((d) => of(d).townshipId)}::uuid[], ${dues.map((d) => of(d).districtId)}::uuid[])
    on conflict do nothing returning task_id as "taskId", rung, deadline`;
  // In-app, a notice per task; outside, one message per robot or address for the rungs written now (a replayed
  // wave writes none): the unit's robot hears of its tasks due together once, and its township's robot of all the
  // batch's units at once (a unit's own wake-up is one unit; the shared ladder's batch a whole township).
  const byKey = new Map(dues.map((d) => [rungEventKey(d), d]));
  const written = new Set(inserted.map((r) => rungEventKey({ taskId: r.taskId, rung: r.rung as RungDue['rung'], deadline: new Date(r.deadline).toISOString() })));
  await writeNoticeBatch(tx, dues.map((d) => warningNotice(deps, of(d), d)), deps.channels, {
    deliverOnly: written,
    digest: (events, targetOrgId) => {
      const due = events.map((e) => byKey.get(e.eventKey)!);
      const unit = of(due[0]!);
      const orgNames = new Set(due.map((d) => of(d).orgName));
      return rungDigest(
        due[0]!.rung === 'remind' ? 'remind' : 'warn',
        orgNames.size === 1 ? unit.orgName : `${orgNames.size} 个单位`,
        due.map((d) => ({ code: of(d).indicator, name: of(d).indicatorName, deadline: beijingTime(d.deadline), org: of(d).orgName })),
        // The chairs' task list on the phone for the unit's own robot; the console's task list for the township's.
        targetOrgId === unit.orgId ? `${deps.publicUrl}/m/` : `${deps.publicUrl}/tasks`,
      );
    },
  });
  if (inserted.length > 0) {
    await tx`
      insert into audit_log ${tx(
        inserted.map((r) => {
          const due = { taskId: r.taskId, rung: r.rung as RungDue['rung'], deadline: new Date(r.deadline).toISOString() };
          return { actor_login: 'system', action: `ladder.${r.rung}`, subject_type: 'task', subject_id: r.taskId, summary: tx.json({ deadline: due.deadline, at } as never), event_key: `ladder:${rungEventKey(due)}` };
        }),
      )}
      on conflict (event_key) where event_key is not null do nothing`;
  }
  await tx`select refresh_task_lights(${[...facts.keys()]}::uuid[])`;
  return inserted.length;
}

/** 督办: a numbered supervision order (once per task and deadline), its notices, the task's light. */
async function fireRung(deps: LadderDeps, calendar: WorkingCalendar, tx: Sql, due: RungDue, at: string, result: FireResult) {
  if (due.rung !== 'supervise') return fireWarnings(deps, tx, [due], at);
  const t = await taskFacts(tx, due.taskId);
  const inserted = await tx`
    insert into ladder_rungs (task_id, deadline, rung, fired_at, plan_id, org_id, township_id, district_id)
    values (${due.taskId}, ${due.deadline}, ${due.rung}, ${at}, ${t.planId}, ${t.orgId}, ${t.townshipId}, ${t.districtId})
    on conflict do nothing returning rung`;
  const eventKey = rungEventKey(due);
  // The order is keyed by (task, deadline): a retry finds the one it opened.
  let [order] = await tx<{ id: string; respondBy: Date; number: string }[]>`
    select id, respond_by as "respondBy", number from supervision_orders where task_id = ${due.taskId} and task_deadline = ${due.deadline}`;
  if (!order) {
    const issuedAt = new Date(at);
    const policy = policyFor(await planPolicy(tx, t.planId), t.indicator);
    const respondBy = orderDue(policy, issuedAt, calendar);
    const year = new Date(issuedAt.getTime() + 8 * 3600_000).getUTCFullYear();
    const number = `${orderPrefix(t.districtName)}〔${year}〕${await nextNumber(tx, t.districtId, 'supervision', year)}号`;
    const issuer = t.level === 'grassroots' ? t.townshipId : t.districtId;
    const overdue = Math.round((issuedAt.getTime() - new Date(due.deadline).getTime()) / 86_400_000);
    const reason = `${subjectLine(t, due.deadline)}逾期${overdue > 0 ? `${overdue}天` : ''}仍未完成，请于${beijingTime(respondBy)}前书面答复整改情况。`;
    [order] = await tx<{ id: string; respondBy: Date; number: string }[]>`
      insert into supervision_orders (number, task_id, plan_id, org_id, township_id, district_id, issuer_org_id, task_deadline, reason, issued_at, respond_by)
      values (${number}, ${t.id}, ${t.planId}, ${t.orgId}, ${t.townshipId}, ${t.districtId}, ${issuer}, ${due.deadline}, ${reason}, ${at}, ${respondBy})
      returning id, respond_by as "respondBy", number`;
    await tx`
      insert into audit_log (actor_login, action, subject_type, subject_id, summary, event_key)
      values ('system', 'order.issue', 'task', ${t.id}, ${tx.json({ orderId: order!.id, number, respondBy: respondBy.toISOString() } as never)}, ${`order:${order!.id}`})
      on conflict (event_key) where event_key is not null do nothing`;
  }
  result.orders.push({ taskId: t.id, orderId: order!.id, respondBy: new Date(order!.respondBy).toISOString() });
  await notify(deps, tx, t, {
    eventKey,
    kind: 'supervise',
    parties: ['unit', 'township', 'department'],
    title: `【督办】${order!.number}`,
    body: `${subjectLine(t, due.deadline)}已逾期，${t.level === 'grassroots' ? t.townshipName : t.districtName}发出督办单${order!.number}，请于${beijingTime(order!.respondBy)}前答复。`,
  });
  if (inserted.length > 0) {
    await tx`
      insert into audit_log (actor_login, action, subject_type, subject_id, summary, event_key)
      values ('system', ${`ladder.${due.rung}`}, 'task', ${t.id}, ${tx.json({ deadline: due.deadline, at } as never)}, ${`ladder:${eventKey}`})
      on conflict (event_key) where event_key is not null do nothing`;
  }
  await tx`select refresh_task_light(${t.id})`;
}

async function notify(deps: LadderDeps, tx: Sql, t: TaskFacts, e: Omit<NoticeEvent, 'taskId' | 'orgId' | 'link' | 'department'> & { parties: Party[] }) {
  await writeNotices(tx, { ...e, taskId: t.id, orgId: t.orgId, department: t.department, link: taskLink(deps, t.id) }, deps.channels);
}

/**
 * 约谈, if the order is still unanswered: the district summons the unit (by default three working days on, at
 * 09:30). Returns the order's answer deadline instead when a corrected calendar moved it past `at`.
 */
async function summon(deps: LadderDeps, calendar: WorkingCalendar, tx: Sql, orderId: string, at: string): Promise<true | { respondBy: Date }> {
  const [order] = await tx<{ id: string; taskId: string; number: string; respondBy: Date; answered: boolean; summoned: boolean }[]>`
    select o.id, o.task_id as "taskId", o.number, o.respond_by as "respondBy", o.responded_at is not null as answered,
      exists (select 1 from summons s where s.order_id = o.id) as summoned
    from supervision_orders o where o.id = ${orderId} for update`;
  if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} not found`);
  if (order.answered || order.summoned) return true;
  if (new Date(order.respondBy).getTime() > Date.parse(at)) return { respondBy: new Date(order.respondBy) };
  const t = await taskFacts(tx, order.taskId);
  const proposedAt = summonsTime(policyFor(await planPolicy(tx, t.planId), t.indicator), new Date(at), calendar);
  const place = `${t.districtName}会议室`;
  const [s] = await tx<{ id: string }[]>`
    insert into summons (order_id, task_id, plan_id, org_id, township_id, district_id, summoner_org_id, proposed_at, place, created_at)
    values (${order.id}, ${t.id}, ${t.planId}, ${t.orgId}, ${t.townshipId}, ${t.districtId}, ${t.districtId}, ${proposedAt}, ${place}, ${at})
    returning id`;
  await tx`
    insert into audit_log (actor_login, action, subject_type, subject_id, summary, event_key)
    values ('system', 'ladder.summons', 'task', ${t.id}, ${tx.json({ orderId: order.id, summonsId: s!.id, proposedAt: proposedAt.toISOString() } as never)}, ${`summons:${order.id}`})
    on conflict (event_key) where event_key is not null do nothing`;
  await notify(deps, tx, t, {
    eventKey: `summons:${order.id}`,
    kind: 'summons',
    parties: ['unit', 'township'],
    title: `【约谈】${t.orgName}`,
    body: `督办单${order.number}逾期未答复。${t.districtName}定于${beijingTime(proposedAt)}在${place}约谈${t.orgName}负责人，事由：${subjectLine(t, t.deadline)}。`,
  });
  await tx`select refresh_task_light(${t.id})`;
  return true;
}

/** Whether a rung's failure will not go away by retrying: refused data, or a task or order that no longer exists. */
export function permanentFailure(err: unknown): boolean {
  return isPermanentDbError(err) || (err instanceof ApplicationFailure && err.nonRetryable === true);
}

/** Record a rung or summons that failed for good, once, where the district admin sees it. */
export async function recordFailure(sql: Sql, planId: string, f: { taskId?: string; deadline?: string; rung: string; orderId?: string }, err: unknown) {
  const state = sqlState(err);
  const message = `${err instanceof Error ? err.message : String(err)}${state ? ` [SQLSTATE ${state}]` : ''}`;
  log.error('ladder rung failed for good', { ...f, error: message });
  await sql`
    insert into ladder_failures (plan_id, task_id, order_id, rung, deadline, error)
    select ${planId}, t.id, ${f.orderId ?? null}, ${f.rung}, ${f.deadline ?? null}, ${message.slice(0, 2000)}
    from (select ${f.taskId ?? null}::uuid as wanted) w left join tasks t on t.id = w.wanted
    on conflict do nothing`;
}

/**
 * Fire the rungs that fell due, each in its own transaction so one failing never holds back the
 * others. A permanent failure records it as failed; anything
 * else (a lost connection) fails the call, which is retried (rungs already written are kept once).
 */
export async function fireRungs(deps: LadderDeps, input: FireInput): Promise<FireResult> {
  const result: FireResult = { orders: [], settled: [], rescheduled: [], deferred: { rungs: [], orders: [] }, failed: { rungs: [], orders: [] } };
  const calendar = await calendarNow(deps);
  // Reminders and warnings together in one transaction; if the database refuses it for good, one by one below,
  // so only the rung at fault is set aside.
  let warnings = input.rungs.filter((d) => d.rung !== 'supervise');
  let oneByOne = input.rungs.filter((d) => d.rung === 'supervise');
  // All of them recorded already (the plan's shared ladder fired them, and this is the unit's backstop; or a replayed
  // wake-up): a rung is written with its notices and lights in one transaction, so there is nothing left to do.
  if (warnings.length > 0) {
    const [recorded] = await deps.sql<{ n: number }[]>`
      select count(*)::int as n from ladder_rungs r
      join unnest(${warnings.map((d) => d.taskId)}::uuid[], ${warnings.map((d) => d.deadline)}::timestamptz[], ${warnings.map((d) => d.rung)}::text[]) as w(task_id, deadline, rung)
        on r.task_id = w.task_id and r.deadline = w.deadline and r.rung = w.rung`;
    if (recorded!.n === warnings.length) warnings = [];
  }
  if (warnings.length > 0) {
    try {
      await transaction(deps.sql, (tx) => fireWarnings(deps, tx, warnings, input.at));
    } catch (err) {
      if (!permanentFailure(err)) throw err;
      oneByOne = input.rungs;
    }
  }
  for (const due of oneByOne) {
    try {
      await transaction(deps.sql, (tx) => fireRung(deps, calendar, tx, due, input.at, result));
    } catch (err) {
      if (permanentFailure(err)) {
        await recordFailure(deps.sql, input.planId, due, err);
        result.failed!.rungs.push(due);
      } else throw err;
    }
  }
  for (const orderId of input.overdueOrders) {
    try {
      const outcome = await transaction(deps.sql, (tx) => summon(deps, calendar, tx, orderId, input.at));
      if (outcome === true) result.settled.push(orderId);
      else result.rescheduled!.push({ orderId, respondBy: outcome.respondBy.toISOString() });
    } catch (err) {
      if (permanentFailure(err)) {
        await recordFailure(deps.sql, input.planId, { orderId, rung: 'summons' }, err);
        result.failed!.orders.push(orderId);
      } else throw err;
    }
  }
  return result;
}
