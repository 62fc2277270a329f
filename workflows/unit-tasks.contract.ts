// Contract of the unit-tasks workflow: one per (plan, unit), holding that unit's tasks for the year.
// Imported by the API (to send updates) and by the workflow (to define them).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Indicator } from '../indicators';
import type { LadderTimes } from '../lib/escalation';

export type TaskState = 'issued' | 'dispatched' | 'claimed' | 'reported' | 'returned' | 'reviewed' | 'approved' | 'exited';

/** Who is acting, as the API established it; `tier` decides which evaluations they may make. */
export interface Actor {
  id: string;
  login: string;
  tier: 'grassroots' | 'township' | 'district';
  /** The org the caller acts for; only that org claims and reports its own tasks. Absent in older histories. */
  orgId?: string;
}

/**
 * What the cycle needs of an indicator: its measure and scoring, points, evidence rule and review tiers. Names,
 * descriptions and target rules stay in the catalogue, so each unit workflow's input (and history, and the worker's
 * cache of it) carries about 200 bytes per indicator instead of 700. Histories started before carry the whole
 * indicator; the workflow reads only these fields, so both replay alike.
 */
export type CycleIndicator = Pick<Indicator, 'code' | 'category' | 'measure' | 'scoring' | 'points' | 'gate' | 'evidence' | 'twoTier'>;
export const cycleIndicator = (i: Indicator): CycleIndicator => ({
  code: i.code,
  category: i.category,
  measure: i.measure,
  scoring: i.scoring,
  points: i.points,
  gate: i.gate,
  evidence: i.evidence,
  twoTier: i.twoTier,
});

export interface TaskSpec {
  taskId: string;
  indicator: CycleIndicator;
  target: number;
  deadline: string; // ISO date-time
  /** Township duty tasks are evaluated by the district directly. */
  townshipDuty: boolean;
  /** Starts exited when the township marked it not applicable at dispatch. */
  exitReason?: string;
  /** When the guidance ladder's rungs fire for `deadline`; computed by the workflow when absent. */
  ladder?: LadderTimes;
}

export interface UnitTasksInput {
  planId: string;
  orgId: string;
  /** The plan's year: dates a verb sets must lie within a year of it. Absent in older histories. */
  year?: number;
  tasks: TaskSpec[];
}

/** What the workflow knows of one task. */
export interface TaskStatus {
  taskId: string;
  indicator: string;
  state: TaskState;
  version: number;
  target: number;
  deadline: string;
  responsible: string | null;
  reports: number;
  value: number | null;
  points: number | null;
  exitReason: string | null;
  /** Set when a change could not be written to PostgreSQL and could not be undone: the district admin repairs it. */
  attention?: string;
}

/** Every verb names its task and, optionally, the version the caller read (a stale one is refused). */
interface Verb {
  taskId: string;
  actor: Actor;
  expectedVersion?: number;
}
export interface ClaimInput extends Verb {
  responsible: string;
}
export interface ReportInput extends Verb {
  value: number;
  note?: string;
  evidence?: string[];
  final: boolean;
}
export interface EvaluateInput extends Verb {
  decision: 'approve' | 'return';
  score?: number;
  reason?: string;
  deadline?: string;
}
export interface ExitInput extends Verb {
  reason: string;
}
/** 延期: a new deadline; the ladder re-arms for it. */
export interface ExtendInput extends Verb {
  deadline: string;
  reason: string;
}

/** 政策调整: the district changes a task's target; an evaluated task is re-scored against it. */
export interface RetargetInput extends Verb {
  target: number;
  /** The adjustment's number, for the history. */
  adjustment: string;
}

export const claimUpdate = defineUpdate<TaskStatus, [ClaimInput]>('claim');
export const retargetUpdate = defineUpdate<TaskStatus, [RetargetInput]>('retarget');
export const reportUpdate = defineUpdate<TaskStatus, [ReportInput]>('report');
export const evaluateUpdate = defineUpdate<TaskStatus, [EvaluateInput]>('evaluate');
export const exitUpdate = defineUpdate<TaskStatus, [ExitInput]>('exit');
export const extendUpdate = defineUpdate<TaskStatus, [ExtendInput]>('extend');
/** The plan's escalation policy changed: recompute every open task's rung times. */
export const rearmSignal = defineSignal('rearm');
/** The plan closed: freeze every open task as it stands and finish. */
export const closeSignal = defineSignal('close');
export const tasksQuery = defineQuery<TaskStatus[]>('tasks');

/** Business id: one unit-tasks workflow per plan and unit. */
export const unitTasksWorkflowId = (planId: string, orgId: string) => `plan-${planId}-unit-${orgId}`;

/** Failure types the API maps to HTTP answers. */
export const failureTypes = {
  illegalTransition: 'IllegalTransition',
  stale: 'StaleTask',
  invalid: 'InvalidInput',
  notFound: 'TaskNotFound',
  notAllowed: 'NotAllowed',
  /** The change could not be written to PostgreSQL; the workflow undid it (details.permanent: refused, not just unavailable). */
  projectionFailed: 'ProjectionFailed',
} as const;
