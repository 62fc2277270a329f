// One workflow per (plan, unit): the unit's tasks for the year and every move they make.
// Validators refuse illegal, stale and malformed verbs before anything enters history; handlers
// change state synchronously, then wait for the PostgreSQL projection so the API reads its own write.
import { ApplicationFailure, allHandlersFinished, condition, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RungDue } from '../activities/ladder';
import type { LadderTimes } from '../lib/escalation';
import { scoreValue } from '../indicators/scoring';
import {
  claimUpdate,
  closeSignal,
  evaluateUpdate,
  exitUpdate,
  extendUpdate,
  failureTypes,
  rearmSignal,
  reportUpdate,
  tasksQuery,
  type Actor,
  type TaskSpec,
  type TaskState,
  type TaskStatus,
  type UnitTasksInput,
} from './unit-tasks.contract';

// One short transaction: a worker that dies mid-write is retried within seconds.
const { projectTask } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

// The ladder's activities wait as long as it takes (a missing calendar year retries until the table is updated).
const { ladderSchedule, fireRungs } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '10 minutes' },
});

interface Task extends TaskStatus {
  spec: TaskSpec;
  /** Rung times for the current deadline; null until (re)computed. */
  ladder: LadderTimes | null;
  /** Bumped whenever the ladder must be recomputed, so a stale answer is dropped. */
  ladderGen: number;
}

const done: readonly TaskState[] = ['approved', 'exited'];
/** The ladder presses only while the next move is the unit's; a task waiting on its reviewers is not late. */
const pressing: readonly TaskState[] = ['dispatched', 'claimed', 'returned'];
const ladderRungs = ['remind', 'warn', 'supervise'] as const;
/** How long a rung that needs missing calendar data waits before it is tried again. */
const calendarRetryMs = 3600_000;

function refuse(type: string, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : [] });
}

export async function unitTasks(input: UnitTasksInput): Promise<TaskStatus[]> {
  const tasks = new Map<string, Task>(
    input.tasks.map((spec) => [
      spec.taskId,
      {
        spec,
        taskId: spec.taskId,
        indicator: spec.indicator.code,
        state: spec.exitReason ? 'exited' : 'dispatched',
        version: 1,
        target: spec.target,
        deadline: spec.deadline,
        responsible: null,
        reports: 0,
        value: null,
        points: null,
        exitReason: spec.exitReason ?? null,
        ladder: spec.ladder && Date.parse(spec.ladder.deadline) === Date.parse(spec.deadline) ? spec.ladder : null,
        ladderGen: 0,
      },
    ]),
  );
  let closed = false;
  /** Bumped by every change that can move the next rung; wakes the ladder. */
  let changes = 0;
  /** Rungs fired, as task:deadline:rung. */
  const fired = new Set<string>();
  /** Open supervision orders and when their answer is due. */
  const orders = new Map<string, { taskId: string; dueAt: number }>();
  /** Schedules, rungs and orders waiting for calendar data (key → when to try again). */
  const held = new Map<string, number>();
  const isHeld = (key: string, now: number) => (held.get(key) ?? 0) > now;

  function rearm(task: Task) {
    task.ladder = null;
    task.ladderGen += 1;
  }

  const status = (t: Task): TaskStatus => {
    const { spec: _spec, ladder: _ladder, ladderGen: _gen, ...rest } = t;
    return { ...rest };
  };

  /** Find the task and check the caller's view of it is current. */
  function current(taskId: string, expectedVersion: number | undefined): Task {
    if (closed) refuse(failureTypes.illegalTransition, 'the plan is closed; tasks are frozen', { state: 'frozen' });
    const task = tasks.get(taskId);
    if (!task) refuse(failureTypes.notFound, `task ${taskId} is not in this unit's plan`);
    if (expectedVersion !== undefined && expectedVersion !== task.version) {
      refuse(failureTypes.stale, `the task changed since version ${expectedVersion}; it is now version ${task.version} (${task.state})`, {
        state: task.state,
        version: task.version,
      });
    }
    return task;
  }

  function mustBeIn(task: Task, allowed: TaskState[], verb: string) {
    if (!allowed.includes(task.state)) {
      refuse(failureTypes.illegalTransition, `cannot ${verb} a task that is ${task.state}`, { state: task.state, version: task.version });
    }
  }

  /** Apply a change, then project it; the version orders projections and keys the audit entry. */
  async function commit(task: Task, actor: Actor | null, action: string, from: TaskState, summary: Record<string, unknown>, report?: { value: number; note?: string; evidence?: string[]; final: boolean }) {
    task.version += 1;
    changes += 1;
    await projectTask({
      planId: input.planId,
      taskId: task.taskId,
      version: task.version,
      state: task.state,
      responsible: task.responsible,
      value: task.value,
      points: task.points,
      deadline: task.deadline,
      exitReason: task.exitReason,
      report: report ? { seq: task.reports, ...report, by: actor?.login ?? 'system', at: new Date().toISOString() } : undefined,
      audit: { actorId: actor?.id ?? null, actorLogin: actor?.login ?? 'system', action, fromState: from, toState: task.state, summary },
    });
    return status(task);
  }

  setHandler(
    claimUpdate,
    async ({ taskId, actor, responsible }) => {
      const task = tasks.get(taskId)!;
      const from = task.state;
      task.state = 'claimed';
      task.responsible = responsible;
      return commit(task, actor, 'task.claim', from, { responsible });
    },
    {
      validator: ({ taskId, expectedVersion, actor, responsible }) => {
        const task = current(taskId, expectedVersion);
        if (actor.tier !== 'grassroots' && !task.spec.townshipDuty) refuse(failureTypes.notAllowed, 'only the unit itself claims its task');
        mustBeIn(task, ['dispatched'], 'claim');
        if (!responsible.trim()) refuse(failureTypes.invalid, 'responsible: name who is responsible', { field: 'responsible' });
      },
    },
  );

  setHandler(
    reportUpdate,
    async ({ taskId, actor, value, note, evidence, final }) => {
      const task = tasks.get(taskId)!;
      const from = task.state;
      task.reports += 1;
      task.value = value;
      if (final) task.state = 'reported';
      return commit(task, actor, final ? 'task.report' : 'task.progress', from, { value, final, evidence: evidence?.length ?? 0 }, { value, note, evidence, final });
    },
    {
      validator: ({ taskId, expectedVersion, value, evidence, final }) => {
        const task = current(taskId, expectedVersion);
        mustBeIn(task, ['claimed', 'returned'], 'report on');
        const type = task.spec.indicator.measure.type;
        if (!Number.isFinite(value) || value < 0) refuse(failureTypes.invalid, 'value: must be a number ≥ 0', { field: 'value' });
        if (type === 'boolean' && value !== 0 && value !== 1) refuse(failureTypes.invalid, 'value: a yes/no indicator takes 1 (yes) or 0 (no)', { field: 'value' });
        if (type === 'rate' && value > 100) refuse(failureTypes.invalid, 'value: a rate is a percentage from 0 to 100', { field: 'value' });
        if (final && task.spec.indicator.evidence.required && !(evidence && evidence.length > 0)) {
          refuse(failureTypes.invalid, `evidence: ${task.indicator} needs evidence with the final report`, { field: 'evidence' });
        }
      },
    },
  );

  setHandler(
    evaluateUpdate,
    async ({ taskId, actor, decision, score, reason, deadline }) => {
      const task = tasks.get(taskId)!;
      const from = task.state;
      if (decision === 'return') {
        task.state = 'returned';
        if (deadline) {
          task.deadline = deadline;
          rearm(task);
        }
        return commit(task, actor, 'task.return', from, { reason, deadline: deadline ?? null });
      }
      const computed = scoreValue(task.spec.indicator, task.target, task.value ?? 0).points;
      task.points = score ?? computed;
      // Two-tier indicators wait for the district after the township approves.
      task.state = actor.tier === 'township' && task.spec.indicator.twoTier ? 'reviewed' : 'approved';
      return commit(task, actor, task.state === 'reviewed' ? 'task.review' : 'task.approve', from, { points: task.points, computed, overridden: score !== undefined });
    },
    {
      validator: ({ taskId, expectedVersion, actor, decision, score, reason, deadline }) => {
        const task = current(taskId, expectedVersion);
        if (actor.tier === 'grassroots') refuse(failureTypes.notAllowed, 'a unit cannot evaluate its own task');
        if (actor.tier === 'township') {
          if (task.spec.townshipDuty) refuse(failureTypes.notAllowed, 'the district evaluates a township’s own duties');
          mustBeIn(task, ['reported'], 'evaluate');
        } else {
          mustBeIn(task, task.spec.townshipDuty ? ['reported'] : ['reviewed'], 'evaluate at district level');
        }
        if (decision === 'return') {
          if (!reason?.trim()) refuse(failureTypes.invalid, 'reason: a return for rework needs a reason', { field: 'reason' });
          if (deadline !== undefined && !(Date.parse(deadline) > Date.now())) refuse(failureTypes.invalid, 'deadline: the new deadline must be in the future', { field: 'deadline' });
        } else if (score !== undefined && (score < 0 || score > task.spec.indicator.points)) {
          refuse(failureTypes.invalid, `score: must be between 0 and ${task.spec.indicator.points}`, { field: 'score' });
        }
      },
    },
  );

  setHandler(
    exitUpdate,
    async ({ taskId, actor, reason }) => {
      const task = tasks.get(taskId)!;
      const from = task.state;
      task.state = 'exited';
      task.exitReason = reason;
      return commit(task, actor, 'task.exit', from, { reason });
    },
    {
      validator: ({ taskId, expectedVersion, actor, reason }) => {
        const task = current(taskId, expectedVersion);
        if (actor.tier === 'grassroots') refuse(failureTypes.notAllowed, 'only the township or the district takes a task out of the programme');
        if (done.includes(task.state)) refuse(failureTypes.illegalTransition, `cannot exit a task that is ${task.state}`, { state: task.state, version: task.version });
        if (!reason.trim()) refuse(failureTypes.invalid, 'reason: say why the task leaves the programme', { field: 'reason' });
      },
    },
  );

  setHandler(
    extendUpdate,
    async ({ taskId, actor, deadline, reason }) => {
      const task = tasks.get(taskId)!;
      const previous = task.deadline;
      task.deadline = deadline;
      rearm(task);
      return commit(task, actor, 'task.extend', task.state, { from: previous, deadline, reason });
    },
    {
      validator: ({ taskId, expectedVersion, actor, deadline, reason }) => {
        const task = current(taskId, expectedVersion);
        if (actor.tier === 'grassroots') refuse(failureTypes.notAllowed, 'a unit cannot extend its own deadline');
        if (actor.tier === 'township' && task.spec.townshipDuty) refuse(failureTypes.notAllowed, 'the district extends a township’s own duties');
        if (done.includes(task.state)) refuse(failureTypes.illegalTransition, `cannot extend a task that is ${task.state}`, { state: task.state, version: task.version });
        if (!(Date.parse(deadline) > Date.parse(task.deadline))) refuse(failureTypes.invalid, 'deadline: an extension must be later than the current deadline', { field: 'deadline' });
        if (!reason.trim()) refuse(failureTypes.invalid, 'reason: say why the deadline moves', { field: 'reason' });
      },
    },
  );

  setHandler(tasksQuery, () => [...tasks.values()].map(status));
  setHandler(closeSignal, () => {
    closed = true;
    changes += 1;
  });
  setHandler(rearmSignal, () => {
    for (const task of tasks.values()) if (!done.includes(task.state)) rearm(task);
    changes += 1;
  });

  /**
   * The guidance ladder: one timer per workflow, set for the earliest rung or order answer due
   * among the unit's tasks, and woken early by any change that could move it.
   */
  async function ladder() {
    while (!closed) {
      let now = Date.now();
      let next = Infinity;
      const stale = [...tasks.values()].filter((t) => t.ladder === null && !done.includes(t.state) && !isHeld(`schedule:${t.taskId}:${t.ladderGen}`, now));
      if (stale.length > 0) {
        const asked = new Map(stale.map((t) => [t.taskId, t.ladderGen]));
        const schedule = await ladderSchedule({ planId: input.planId, tasks: stale.map((t) => ({ taskId: t.taskId, indicator: t.indicator, deadline: t.deadline })) });
        for (const t of stale) {
          if (t.ladderGen !== asked.get(t.taskId)) continue;
          t.ladder = schedule.times[t.taskId] ?? null;
          if (schedule.missing[t.taskId]) held.set(`schedule:${t.taskId}:${t.ladderGen}`, Date.now() + calendarRetryMs);
        }
        // A corrected calendar moves open orders' answer deadlines too (histories before this carry no `orders`).
        for (const [orderId, respondBy] of Object.entries(schedule.orders ?? {})) {
          const order = orders.get(orderId);
          if (order) order.dueAt = Date.parse(respondBy);
        }
        continue;
      }
      now = Date.now();
      for (const [key, until] of held) {
        if (until > now) next = Math.min(next, until);
        else held.delete(key);
      }
      const due: RungDue[] = [];
      const overdue: string[] = [];
      for (const t of tasks.values()) {
        if (!t.ladder || !pressing.includes(t.state)) continue;
        for (const rung of ladderRungs) {
          const key = `${t.taskId}:${t.ladder.deadline}:${rung}`;
          if (fired.has(key) || isHeld(key, now)) continue;
          const at = Date.parse(t.ladder[rung]);
          if (at <= now) due.push({ taskId: t.taskId, rung, deadline: t.ladder.deadline });
          else next = Math.min(next, at);
        }
      }
      for (const [orderId, order] of orders) {
        if (done.includes(tasks.get(order.taskId)!.state)) orders.delete(orderId);
        else if (isHeld(orderId, now)) continue;
        else if (order.dueAt <= now) overdue.push(orderId);
        else next = Math.min(next, order.dueAt);
      }
      if (due.length > 0 || overdue.length > 0) {
        let deferred: { rungs: RungDue[]; orders: string[] } = { rungs: [], orders: [] };
        try {
          const result = await fireRungs({ planId: input.planId, at: new Date(now).toISOString(), rungs: due, overdueOrders: overdue });
          for (const o of result.orders) orders.set(o.orderId, { taskId: o.taskId, dueAt: Date.parse(o.respondBy) });
          for (const id of result.settled) orders.delete(id);
          // Not due after all: the calendar was corrected after the timer was set.
          for (const r of result.rescheduled ?? []) {
            const order = orders.get(r.orderId);
            if (order) order.dueAt = Date.parse(r.respondBy);
          }
          deferred = result.deferred;
        } catch (err) {
          // Only a non-retryable failure gets here (a task or order that no longer exists): skip it, never loop on it.
          log.error('ladder rung failed and is skipped', { error: String(err), due, overdue });
          for (const id of overdue) orders.delete(id);
        }
        const retryAt = Date.now() + calendarRetryMs;
        const waiting = new Set(deferred.rungs.map((d) => `${d.taskId}:${d.deadline}:${d.rung}`));
        for (const key of waiting) held.set(key, retryAt);
        for (const id of deferred.orders) held.set(id, retryAt);
        for (const d of due) {
          const key = `${d.taskId}:${d.deadline}:${d.rung}`;
          if (!waiting.has(key)) fired.add(key);
        }
        continue;
      }
      const seen = changes;
      if (next === Infinity) await condition(() => closed || changes !== seen);
      else await condition(() => closed || changes !== seen, next - now);
    }
  }

  const ladderStopped = ladder();
  await condition(() => closed);
  await ladderStopped;
  // Let updates already accepted finish their projections before the workflow ends.
  await condition(allHandlersFinished);
  return [...tasks.values()].map(status);
}
