// The guidance ladder's planner: given the unit's tasks, what already fired, what waits and the open
// orders, which rungs and overdue orders are due now and when the next one falls. Pure and
// deterministic (callers pass `now`): the unit workflow keeps the state and the timer.
import type { FireResult, RungDue } from '../activities/ladder';
import type { LadderTimes } from '../lib/escalation';
import { doneStates, pressingStates } from './task-rules';
import type { TaskState } from './unit-tasks.contract';

export const ladderRungs = ['remind', 'warn', 'supervise'] as const;

export interface LadderTask {
  taskId: string;
  state: TaskState;
  ladder: LadderTimes | null;
}

/** What the ladder remembers between wake-ups. */
export interface LadderBook {
  /** Rungs fired, as task:deadline:rung. */
  fired: Set<string>;
  /** Rungs that failed for good: recorded in PostgreSQL for the district admin, never retried, never marked fired. */
  failed: Set<string>;
  /** Open supervision orders and when their answer is due. */
  orders: Map<string, { taskId: string; dueAt: number }>;
  /** Schedules, rungs and orders waiting (key → when to try again). */
  held: Map<string, number>;
}

export const rungKey = (d: { taskId: string; deadline: string; rung: string }) => `${d.taskId}:${d.deadline}:${d.rung}`;

export interface RungPlan {
  due: RungDue[];
  overdue: string[];
  /** When the ladder should wake next (Infinity: only a change wakes it). */
  next: number;
}

/**
 * The rungs and order answers due at `now`. Drops holds that ran out and orders of finished tasks
 * from the book (the only changes it makes).
 */
export function planRungs(tasks: Iterable<LadderTask>, book: LadderBook, now: number): RungPlan {
  let next = Infinity;
  for (const [key, until] of book.held) {
    if (until > now) next = Math.min(next, until);
    else book.held.delete(key);
  }
  const isHeld = (key: string) => (book.held.get(key) ?? 0) > now;
  const byId = new Map<string, LadderTask>();
  const due: RungDue[] = [];
  for (const t of tasks) {
    byId.set(t.taskId, t);
    if (!t.ladder || !pressingStates.includes(t.state)) continue;
    for (const rung of ladderRungs) {
      const key = rungKey({ taskId: t.taskId, deadline: t.ladder.deadline, rung });
      if (book.fired.has(key) || book.failed.has(key) || isHeld(key)) continue;
      const at = Date.parse(t.ladder[rung]);
      if (at <= now) due.push({ taskId: t.taskId, rung, deadline: t.ladder.deadline });
      else next = Math.min(next, at);
    }
  }
  const overdue: string[] = [];
  for (const [orderId, order] of book.orders) {
    if (doneStates.includes(byId.get(order.taskId)!.state)) book.orders.delete(orderId);
    else if (isHeld(orderId)) continue;
    else if (order.dueAt <= now) overdue.push(orderId);
    else next = Math.min(next, order.dueAt);
  }
  return { due, overdue, next };
}

/**
 * Book what a fireRungs call did: new orders are watched, settled ones dropped, rungs that need
 * calendar data wait until `retryAt`, rungs that failed for good are set aside, the rest fired.
 */
export function settleRungs(book: LadderBook, plan: Pick<RungPlan, 'due'>, result: Partial<FireResult>, retryAt: number) {
  for (const o of result.orders ?? []) book.orders.set(o.orderId, { taskId: o.taskId, dueAt: Date.parse(o.respondBy) });
  for (const id of result.settled ?? []) book.orders.delete(id);
  // Not due after all: a corrected calendar moved the answer deadline after the timer was set.
  for (const r of result.rescheduled ?? []) {
    const order = book.orders.get(r.orderId);
    if (order) order.dueAt = Date.parse(r.respondBy);
  }
  const waiting = new Set((result.deferred?.rungs ?? []).map(rungKey));
  for (const key of waiting) book.held.set(key, retryAt);
  for (const id of result.deferred?.orders ?? []) book.held.set(id, retryAt);
  const failed = new Set((result.failed?.rungs ?? []).map(rungKey));
  for (const key of failed) book.failed.add(key);
  for (const id of result.failed?.orders ?? []) book.orders.delete(id);
  for (const d of plan.due) {
    const key = rungKey(d);
    if (!waiting.has(key) && !failed.has(key)) book.fired.add(key);
  }
}

/** A whole fireRungs call failed (its retries ran out): every rung and order of the batch waits until `retryAt`, none is marked fired. */
export function holdBatch(book: LadderBook, plan: Pick<RungPlan, 'due' | 'overdue'>, retryAt: number) {
  for (const d of plan.due) book.held.set(rungKey(d), retryAt);
  for (const id of plan.overdue) book.held.set(id, retryAt);
}
