// One workflow per (plan, unit): the unit's tasks for the year and every move they make.
// Validators refuse illegal, stale and malformed verbs before anything enters history; handlers
// change state synchronously, then wait for the PostgreSQL projection so the API reads its own write.
import { ActivityFailure, ApplicationFailure, TimeoutFailure, allHandlersFinished, condition, log, patched, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LadderTimes } from '../lib/escalation';
import { beijingYear } from '../lib/rules';
import { scoreValue } from '../indicators/scoring';
import { holdBatch, planRungs, settleRungs, type LadderBook } from './ladder-plan';
import {
  actorProblem,
  approvedState,
  doneStates as done,
  evidenceProblem,
  extensionProblem,
  fieldsProblem,
  firstProblem,
  returnProblem,
  scoreProblem,
  transitionProblem,
  valueProblem,
  type Refusal,
  type Verb,
} from './task-rules';
import {
  claimUpdate,
  closeSignal,
  evaluateUpdate,
  exitUpdate,
  extendUpdate,
  failureTypes,
  rearmSignal,
  reportUpdate,
  retargetUpdate,
  tasksQuery,
  type Actor,
  type TaskSpec,
  type TaskState,
  type TaskStatus,
  type UnitTasksInput,
} from './unit-tasks.contract';

// One short transaction: a worker that dies mid-write is retried within seconds. Data the database
// refuses (SQLSTATE classes 22 and 23) fails at once, non-retryable; anything else stops after ten tries.
const projectionOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
} as const;
const { projectTask } = proxyActivities<Activities>(projectionOptions);
// The same projection as a local activity: run by the worker that runs the update, with no activity task to
// dispatch and no second workflow task to complete the update. Only histories recorded between the patches
// `projection-local-activity` and `projection-after-accept` use it (see patches below for why it was dropped).
const { projectTask: projectTaskHere } = proxyLocalActivities<Activities>(projectionOptions);

// The ladder's activities: a missing calendar year is deferred by the activity itself; a transient
// failure retries for about an hour before the batch is held and tried again later.
const ladderOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '10 minutes', maximumAttempts: 12 },
} as const;
const { ladderSchedule, fireRungs } = proxyActivities<Activities>(ladderOptions);
// The rungs fired by the worker that woke on the timer, inside that same workflow task (see the patch
// `ladder-rungs-local` below): every write of fireRungs is keyed, so running it again after a lost task is harmless.
const { fireRungs: fireRungsHere } = proxyLocalActivities<Activities>(ladderOptions);

/**
 * Patches (see docs/architecture.md, "Changing a workflow safely"). Each name marks a change that
 * would make an already-running workflow issue different commands on replay.
 */
const patches = {
  /** A projection the database refuses for good undoes the change instead of retrying for ever. */
  projectionRefused: 'projection-refused-undo',
  /** A fireRungs call that fails as a whole holds its batch for later instead of marking it fired. */
  ladderBatchHeld: 'ladder-batch-held',
  /** A ladderSchedule call that fails as a whole holds those tasks instead of failing the workflow. */
  scheduleHeld: 'ladder-schedule-held',
  /** A verb's projection runs as a local activity (one workflow task per verb instead of two plus an activity task). */
  localProjection: 'projection-local-activity',
  /**
   * And back to a normal activity: a local activity writes PostgreSQL before the workflow task that accepts the
   * update is recorded, so a worker and Temporal killed in between left the database with a change the workflow
   * never made (found by `npm run chaos`). A normal activity is scheduled in the same record as the acceptance.
   */
  projectionAfterAccept: 'projection-after-accept',
  /**
   * The ladder's rungs fire as a local activity, in the workflow task the timer woke: one workflow task per unit
   * per wave instead of two plus an activity task (a district's deadline wakes 5,000 of them at once). Unlike a
   * verb's projection this is safe to run before the task is recorded: fireRungs writes nothing twice (rungs per
   * task, deadline and rung; orders per task and deadline; notices and audit lines by event key), and a wake-up
   * whose task is lost is replayed and fires the same rungs again, finding them written.
   */
  ladderRungsLocal: 'ladder-rungs-local',
} as const;

interface Task extends TaskStatus {
  spec: TaskSpec;
  /** Rung times for the current deadline; null until (re)computed. */
  ladder: LadderTimes | null;
  /** Bumped whenever the ladder must be recomputed, so a stale answer is dropped. */
  ladderGen: number;
}

/** How long a rung that needs missing calendar data (or whose batch failed) waits before it is tried again. */
const calendarRetryMs = 3600_000;

function refuse(type: string, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : [] });
}

const refusalTypes: Record<Refusal['kind'], string> = {
  illegal_transition: failureTypes.illegalTransition,
  not_allowed: failureTypes.notAllowed,
  invalid: failureTypes.invalid,
};

/** Throw the rules' refusal, if any, as the failure the API maps to HTTP. */
function refuseIf(problem: Refusal | null, task?: TaskStatus) {
  if (!problem) return;
  const details = problem.kind === 'invalid' ? { field: problem.field } : problem.kind === 'illegal_transition' && task ? { state: task.state, version: task.version } : undefined;
  refuse(refusalTypes[problem.kind], problem.message, details);
}

/** The fields a change touches, to put back when the database refuses it. */
type Snapshot = Pick<Task, 'state' | 'version' | 'responsible' | 'reports' | 'value' | 'points' | 'deadline' | 'exitReason' | 'target'>;
const snapshot = (t: Task): Snapshot => ({
  target: t.target,
  state: t.state,
  version: t.version,
  responsible: t.responsible,
  reports: t.reports,
  value: t.value,
  points: t.points,
  deadline: t.deadline,
  exitReason: t.exitReason,
});

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
  const book: LadderBook = { fired: new Set(), failed: new Set(), orders: new Map(), held: new Map() };
  const held = book.held;
  const isHeld = (key: string, now: number) => (held.get(key) ?? 0) > now;
  /** The org whose tasks these are: only it claims and reports them. */
  const unitOrg = input.orgId;
  /** The plan's year (older workflows: the year of the task's first deadline), for the window dates must lie in. */
  const yearOf = (task: Task) => input.year ?? beijingYear(Date.parse(task.spec.deadline));

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

  /** The checks every verb shares: the fields, who is asking, and whether the task's state allows it. */
  function check(verb: Verb, request: { taskId: string; expectedVersion?: number; actor: Actor } & Record<string, unknown>): Task {
    const task = current(request.taskId, request.expectedVersion);
    const { taskId: _t, expectedVersion: _v, actor, ...fields } = request;
    refuseIf(fieldsProblem(verb, fields));
    refuseIf(actorProblem(verb, actor, { townshipDuty: task.spec.townshipDuty, orgId: unitOrg }));
    refuseIf(transitionProblem(verb, actor, { state: task.state, townshipDuty: task.spec.townshipDuty }), task);
    return task;
  }

  /**
   * Apply a change, then project it; the version orders projections and keys the audit entry. If the
   * database refuses the change for good, put the task back as it was (the database never took it),
   * or, when a later change already built on it, mark the task as needing attention; the update fails.
   */
  async function commit(task: Task, before: Snapshot, actor: Actor | null, action: string, from: TaskState, summary: Record<string, unknown>, report?: { value: number; note?: string; evidence?: string[]; final: boolean }) {
    task.version += 1;
    changes += 1;
    const version = task.version;
    // Histories from before either patch, and from after the second, project with a normal activity; those recorded
    // between the two replay their local activity.
    const project = patched(patches.projectionAfterAccept) ? projectTask : patched(patches.localProjection) ? projectTaskHere : projectTask;
    try {
      await project({
        planId: input.planId,
        taskId: task.taskId,
        version: task.version,
        state: task.state,
        responsible: task.responsible,
        value: task.value,
        points: task.points,
        target: task.target,
        deadline: task.deadline,
        exitReason: task.exitReason,
        report: report ? { seq: task.reports, ...report, by: actor?.login ?? 'system', at: new Date().toISOString() } : undefined,
        audit: { actorId: actor?.id ?? null, actorLogin: actor?.login ?? 'system', action, fromState: from, toState: task.state, summary },
      });
    } catch (err) {
      // A remote activity's failure arrives wrapped in an ActivityFailure; a local activity's as the failure itself.
      const gaveUp = err instanceof ActivityFailure || (project === projectTaskHere && (err instanceof ApplicationFailure || err instanceof TimeoutFailure));
      if (!gaveUp || !patched(patches.projectionRefused)) throw err;
      const cause = err instanceof ActivityFailure ? err.cause : (err as Error);
      const permanent = cause instanceof ApplicationFailure && cause.nonRetryable;
      const reason = cause?.message ?? (err as Error).message;
      if (task.version === version) {
        const deadlineMoved = task.deadline !== before.deadline;
        Object.assign(task, before);
        if (deadlineMoved) rearm(task);
      } else {
        task.attention = `${action} v${version} was not written to the database: ${reason}`;
      }
      changes += 1;
      log.error('task change not projected; undone', { taskId: task.taskId, action, version, permanent, error: reason });
      refuse(failureTypes.projectionFailed, `the database did not take this change (${permanent ? 'refused' : 'unavailable'}): ${reason}; nothing was changed`, {
        permanent,
        state: task.state,
        version: task.version,
      });
    }
    return status(task);
  }

  setHandler(
    claimUpdate,
    async ({ taskId, actor, responsible }) => {
      const task = tasks.get(taskId)!;
      const before = snapshot(task);
      task.state = 'claimed';
      task.responsible = responsible;
      return commit(task, before, actor, 'task.claim', before.state, { responsible });
    },
    {
      validator: (request) => {
        check('claim', { ...request });
      },
    },
  );

  setHandler(
    reportUpdate,
    async ({ taskId, actor, value, note, evidence, final }) => {
      const task = tasks.get(taskId)!;
      const before = snapshot(task);
      task.reports += 1;
      task.value = value;
      if (final) task.state = 'reported';
      return commit(task, before, actor, final ? 'task.report' : 'task.progress', before.state, { value, final, evidence: evidence?.length ?? 0 }, { value, note, evidence, final });
    },
    {
      validator: (request) => {
        const task = check('report', { ...request, final: request.final ?? false });
        refuseIf(firstProblem(
          () => valueProblem(task.spec.indicator, request.value),
          () => evidenceProblem(task.spec.indicator, request.final, request.evidence),
        ));
      },
    },
  );

  setHandler(
    evaluateUpdate,
    async ({ taskId, actor, decision, score, reason, deadline }) => {
      const task = tasks.get(taskId)!;
      const before = snapshot(task);
      if (decision === 'return') {
        task.state = 'returned';
        if (deadline) {
          task.deadline = deadline;
          rearm(task);
        }
        return commit(task, before, actor, 'task.return', before.state, { reason, deadline: deadline ?? null });
      }
      const computed = scoreValue(task.spec.indicator, task.target, task.value ?? 0).points;
      task.points = score ?? computed;
      // Two-tier indicators wait for the district after the township approves.
      task.state = approvedState(actor, task.spec.indicator);
      return commit(task, before, actor, task.state === 'reviewed' ? 'task.review' : 'task.approve', before.state, { points: task.points, computed, overridden: score !== undefined });
    },
    {
      validator: (request) => {
        const task = check('evaluate', { ...request });
        if (request.decision === 'return') {
          refuseIf(returnProblem(request, { now: Date.now(), deadline: task.deadline, year: yearOf(task) }));
        } else if (request.score !== undefined) {
          refuseIf(scoreProblem(task.spec.indicator.points, request.score));
        }
      },
    },
  );

  setHandler(
    exitUpdate,
    async ({ taskId, actor, reason }) => {
      const task = tasks.get(taskId)!;
      const before = snapshot(task);
      task.state = 'exited';
      task.exitReason = reason;
      return commit(task, before, actor, 'task.exit', before.state, { reason });
    },
    {
      validator: (request) => {
        check('exit', { ...request });
      },
    },
  );

  setHandler(
    extendUpdate,
    async ({ taskId, actor, deadline, reason }) => {
      const task = tasks.get(taskId)!;
      const before = snapshot(task);
      task.deadline = deadline;
      rearm(task);
      return commit(task, before, actor, 'task.extend', task.state, { from: before.deadline, deadline, reason });
    },
    {
      validator: (request) => {
        const task = check('extend', { ...request });
        refuseIf(extensionProblem(request.deadline, { now: Date.now(), deadline: task.deadline, year: yearOf(task) }));
      },
    },
  );

  setHandler(
    retargetUpdate,
    async ({ taskId, actor, target, adjustment }) => {
      const task = tasks.get(taskId)!;
      const before = snapshot(task);
      task.target = target;
      // An evaluated task is scored again against the new target: the index moves with the policy.
      const rescored = (task.state === 'approved' || task.state === 'reviewed') && task.value !== null;
      if (rescored) task.points = scoreValue(task.spec.indicator, target, task.value!).points;
      return commit(task, before, actor, 'task.retarget', task.state, { from: before.target, target, adjustment, rescored, points: task.points });
    },
    {
      validator: ({ taskId, actor, target }) => {
        const task = current(taskId, undefined);
        if (actor.tier !== 'district') refuse(failureTypes.notAllowed, 'only the district changes a target by policy');
        if (task.state === 'exited') refuse(failureTypes.illegalTransition, 'the task has left the programme', { state: task.state, version: task.version });
        refuseIf(valueProblem(task.spec.indicator, target, 'target'));
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
      const stale = [...tasks.values()].filter((t) => t.ladder === null && !done.includes(t.state) && !isHeld(`schedule:${t.taskId}:${t.ladderGen}`, now));
      if (stale.length > 0) {
        const asked = new Map(stale.map((t) => [t.taskId, t.ladderGen]));
        let schedule: Awaited<ReturnType<typeof ladderSchedule>>;
        try {
          schedule = await ladderSchedule({ planId: input.planId, tasks: stale.map((t) => ({ taskId: t.taskId, indicator: t.indicator, deadline: t.deadline })) });
        } catch (err) {
          if (!(err instanceof ActivityFailure) || !patched(patches.scheduleHeld)) throw err;
          log.error('ladder schedule failed; those tasks wait and are tried again', { error: String(err.cause ?? err) });
          for (const t of stale) held.set(`schedule:${t.taskId}:${t.ladderGen}`, Date.now() + calendarRetryMs);
          continue;
        }
        for (const t of stale) {
          if (t.ladderGen !== asked.get(t.taskId)) continue;
          t.ladder = schedule.times[t.taskId] ?? null;
          if (schedule.missing[t.taskId]) held.set(`schedule:${t.taskId}:${t.ladderGen}`, Date.now() + calendarRetryMs);
        }
        // A corrected calendar moves open orders' answer deadlines too (histories before this carry no `orders`).
        for (const [orderId, respondBy] of Object.entries(schedule.orders ?? {})) {
          const order = book.orders.get(orderId);
          if (order) order.dueAt = Date.parse(respondBy);
        }
        continue;
      }
      now = Date.now();
      const plan = planRungs(tasks.values(), book, now);
      if (plan.due.length > 0 || plan.overdue.length > 0) {
        try {
          const fire = patched(patches.ladderRungsLocal) ? fireRungsHere : fireRungs;
          const result = await fire({ planId: input.planId, at: new Date(now).toISOString(), rungs: plan.due, overdueOrders: plan.overdue });
          settleRungs(book, plan, result, Date.now() + calendarRetryMs);
        } catch (err) {
          if (patched(patches.ladderBatchHeld)) {
            // The activity gave up (its retries ran out): nothing is marked fired; the batch waits and is tried again.
            log.error('ladder batch failed; held for a later try', { error: String(err), due: plan.due, overdue: plan.overdue });
            holdBatch(book, plan, Date.now() + calendarRetryMs);
          } else {
            // Before the patch: a failed batch was skipped and every rung of it counted as fired.
            log.error('ladder rung failed and is skipped', { error: String(err), due: plan.due, overdue: plan.overdue });
            for (const id of plan.overdue) book.orders.delete(id);
            settleRungs(book, plan, {}, Date.now() + calendarRetryMs);
          }
        }
        continue;
      }
      const seen = changes;
      if (plan.next === Infinity) await condition(() => closed || changes !== seen);
      else await condition(() => closed || changes !== seen, plan.next - now);
    }
  }

  const ladderStopped = ladder();
  await condition(() => closed);
  await ladderStopped;
  // Let updates already accepted finish their projections before the workflow ends.
  await condition(allHandlersFinished);
  return [...tasks.values()].map(status);
}
