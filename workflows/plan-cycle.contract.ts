// Contract of the plan-cycle workflow: one per plan, from 下达 (issue) to close.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './unit-tasks.contract';

export interface PlanCycleInput {
  planId: string;
  /** Milliseconds after issue when townships that have not dispatched get the defaults; none = never. */
  autoDispatchAfterMs?: number;
}

/** A township's per-unit changes to the district's defaults (镇派). */
export interface UnitOverride {
  unitId: string;
  indicator: string;
  target?: number;
  deadline?: string;
  notApplicable?: boolean;
}

export interface DispatchInput {
  townshipId: string;
  /** Only these units; all of the township's units that are still waiting when absent. */
  unitIds?: string[];
  overrides: UnitOverride[];
  actor: Actor | null;
}

export interface DispatchResult {
  townshipId: string;
  dispatchedUnits: number;
  dispatchedTasks: number;
  alreadyDispatchedUnits: number;
}

export interface CloseResult {
  units: number;
  frozenTasks: number;
  commended: number;
  delisted: number;
}

export type PlanPhase = 'issuing' | 'issued' | 'closing' | 'closed';

export const dispatchUpdate = defineUpdate<DispatchResult, [DispatchInput]>('dispatch');
export const closeUpdate = defineUpdate<CloseResult, [{ actor: Actor }]>('close');
export const phaseQuery = defineQuery<PlanPhase>('phase');
/** The escalation policy changed: every dispatched unit re-arms its ladder. Answers how many units were told. */
/** Re-arm the ladder of every dispatched unit, or only of `units` (a corrected calendar touches a few). */
export const rearmUpdate = defineUpdate<{ units: number }, [{ actor: Actor; units?: string[] }]>('rearm');

export const planCycleWorkflowId = (planId: string) => `plan-${planId}`;
