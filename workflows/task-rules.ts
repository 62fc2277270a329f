// The task rules, once: which verb is legal from which state, who may use it, and which values it
// takes. The API checks them before it asks the unit workflow; the workflow's update validators check
// them again against its own state, so nothing illegal or malformed ever enters a history.
// Pure and deterministic: no clock (callers pass `now`), no I/O, no Node built-ins.
// No zod here (see lib/rules.ts): the API builds its schemas from these rules with lib/input.ts zodFields.
import type { Indicator } from '../indicators/schema';
import { checkFields, maxCount, planDateProblem, type FieldRule, type FieldRules } from '../lib/rules';
import type { Actor, TaskState } from './unit-tasks.contract';

export type Verb = 'claim' | 'report' | 'evaluate' | 'exit' | 'extend';

/** A rule said no: the kind of refusal, a message, and the field at fault when there is one. */
export interface Refusal {
  kind: 'illegal_transition' | 'not_allowed' | 'invalid';
  message: string;
  field?: string;
}

/** Finished tasks take no more verbs. */
export const doneStates: readonly TaskState[] = ['approved', 'exited'];
/** The ladder presses only while the next move is the unit's; a task waiting on its reviewers is not late. */
export const pressingStates: readonly TaskState[] = ['dispatched', 'claimed', 'returned'];

// ---- Inputs: the API's request bodies and the workflow's validators parse the same fields. ----

/** Why a task is returned, leaves the programme or is extended: one rule for all three. */
export const reasonField = { type: 'text', kind: 'reason', options: { min: 2 } } as const satisfies FieldRule;
export const claimFields = { responsible: { type: 'text', kind: 'name' } } as const satisfies FieldRules;
export const reportFields = {
  value: { type: 'number' },
  note: { type: 'text', kind: 'note', optional: true },
  evidence: { type: 'ids', max: 50, optional: true },
  final: { type: 'boolean' },
} as const satisfies FieldRules;
export const evaluateFields = {
  decision: { type: 'choice', values: ['approve', 'return'] },
  score: { type: 'number', min: 0, max: 1000, optional: true },
  reason: { ...reasonField, optional: true },
  deadline: { type: 'instant', optional: true },
} as const satisfies FieldRules;
export const exitFields = { reason: reasonField } as const satisfies FieldRules;
export const extendFields = { deadline: { type: 'instant' }, reason: reasonField } as const satisfies FieldRules;

const shapes: Record<Verb, FieldRules> = { claim: claimFields, report: reportFields, evaluate: evaluateFields, exit: exitFields, extend: extendFields };

/** The verb's fields against their rules; a refusal naming the first bad field. */
export function fieldsProblem(verb: Verb, input: Record<string, unknown>): Refusal | null {
  const problem = checkFields(shapes[verb], input);
  return problem && { kind: 'invalid', field: problem.field, message: `${problem.field}: ${problem.message}` };
}

// ---- Values ----

/** A reported value in the indicator's measure: yes/no 0 or 1, a rate 0–100, a count a whole number up to maxCount. */
export function valueProblem(indicator: Pick<Indicator, 'code' | 'measure'>, value: number, field = 'value'): Refusal | null {
  const refuse = (message: string): Refusal => ({ kind: 'invalid', field, message: `${field}: ${message}` });
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return refuse('must be a number ≥ 0');
  switch (indicator.measure.type) {
    case 'boolean':
      return value === 0 || value === 1 ? null : refuse(`${indicator.code} is yes/no: 1 (yes) or 0 (no)`);
    case 'rate':
      return value <= 100 ? null : refuse(`${indicator.code} is a rate: a percentage from 0 to 100`);
    case 'count':
      if (!Number.isInteger(value)) return refuse(`${indicator.code} is a count: a whole number`);
      return value <= maxCount ? null : refuse(`${indicator.code} is a count: at most ${maxCount} a year`);
  }
}

/** A score awarded by hand lies between 0 and the indicator's points. */
export function scoreProblem(points: number, score: number): Refusal | null {
  if (!Number.isFinite(score) || score < 0 || score > points) return { kind: 'invalid', field: 'score', message: `score: must be between 0 and ${points}` };
  return null;
}

// ---- Who may do what ----

/** The org level that carries out a task: its unit, or the township for the township's own duties. */
const ownerTier = (townshipDuty: boolean): Actor['tier'] => (townshipDuty ? 'township' : 'grassroots');

/**
 * Whether this actor may use the verb on a task at all (state aside): only the task's own org claims
 * and reports; nobody evaluates, exits or extends their own task; a township's own duties are
 * evaluated, exited and extended by the district.
 */
export function actorProblem(verb: Verb, actor: Pick<Actor, 'tier'> & { orgId?: string }, task: { townshipDuty: boolean; orgId?: string }): Refusal | null {
  const no = (message: string): Refusal => ({ kind: 'not_allowed', message });
  const owner = ownerTier(task.townshipDuty);
  switch (verb) {
    case 'claim':
    case 'report':
      if (actor.tier !== owner) return no(`only the ${task.townshipDuty ? 'township' : 'unit'} itself may ${verb} this task`);
      if (actor.orgId !== undefined && task.orgId !== undefined && actor.orgId !== task.orgId) return no(`only the org the task belongs to may ${verb} it`);
      return null;
    case 'evaluate':
      if (actor.tier === 'grassroots') return no('a unit cannot evaluate its own task');
      if (actor.tier === 'township' && task.townshipDuty) return no('the district evaluates a township’s own duties');
      return null;
    case 'exit':
      if (actor.tier === 'grassroots') return no('only the township or the district takes a task out of the programme');
      if (actor.tier === 'township' && task.townshipDuty) return no('the district takes a township’s own duty out of the programme');
      return null;
    case 'extend':
      if (actor.tier === 'grassroots') return no('a unit cannot extend its own deadline');
      if (actor.tier === 'township' && task.townshipDuty) return no('the district extends a township’s own duties');
      return null;
  }
}

// ---- Transitions ----

/** The states a verb may start from; evaluation depends on who evaluates. */
export function allowedFrom(verb: Verb, actor: Pick<Actor, 'tier'>, townshipDuty: boolean): readonly TaskState[] {
  switch (verb) {
    case 'claim':
      return ['dispatched'];
    case 'report':
      return ['claimed', 'returned'];
    case 'evaluate':
      // A township reviews what its units reported; the district confirms two-tier reviews, or evaluates a township's own duty.
      return actor.tier === 'township' || townshipDuty ? ['reported'] : ['reviewed'];
    case 'exit':
    case 'extend':
      return ['dispatched', 'claimed', 'reported', 'returned', 'reviewed'];
  }
}

const verbWords: Record<Verb, string> = { claim: 'claim', report: 'report on', evaluate: 'evaluate', exit: 'exit', extend: 'extend' };

/** Whether the task's state lets this verb through now. */
export function transitionProblem(verb: Verb, actor: Pick<Actor, 'tier'>, task: { state: TaskState; townshipDuty: boolean }): Refusal | null {
  if (allowedFrom(verb, actor, task.townshipDuty).includes(task.state)) return null;
  const who = verb === 'evaluate' && actor.tier === 'district' && !task.townshipDuty ? ' at district level' : '';
  return { kind: 'illegal_transition', message: `cannot ${verbWords[verb]} a task that is ${task.state}${who}` };
}

/** The state an approval leads to: a township's approval of a two-tier indicator waits for the district. */
export function approvedState(actor: Pick<Actor, 'tier'>, indicator: Pick<Indicator, 'twoTier'>): 'reviewed' | 'approved' {
  return actor.tier === 'township' && indicator.twoTier ? 'reviewed' : 'approved';
}

// ---- Verb-specific checks beyond the fields ----

export interface DeadlineContext {
  /** Now, as the caller's clock (the workflow's) sees it, in ms. */
  now: number;
  /** The task's current deadline. */
  deadline: string;
  /** The plan's year, for the window dates must lie in. */
  year: number;
}

/** A return for rework needs a reason; its new deadline, if any, lies ahead, within the plan's window. */
export function returnProblem(input: { reason?: string; deadline?: string }, ctx: DeadlineContext): Refusal | null {
  if (!input.reason) return { kind: 'invalid', field: 'reason', message: 'reason: a return for rework needs a reason' };
  if (input.deadline === undefined) return null;
  if (!(Date.parse(input.deadline) > ctx.now)) return { kind: 'invalid', field: 'deadline', message: 'deadline: the new deadline must be in the future' };
  const window = planDateProblem(input.deadline, ctx.year);
  return window ? { kind: 'invalid', field: 'deadline', message: `deadline: ${window}` } : null;
}

/** An extension moves the deadline later, within the plan's window. */
export function extensionProblem(deadline: string, ctx: DeadlineContext): Refusal | null {
  if (!(Date.parse(deadline) > Date.parse(ctx.deadline))) return { kind: 'invalid', field: 'deadline', message: 'deadline: an extension must be later than the current deadline' };
  const window = planDateProblem(deadline, ctx.year);
  return window ? { kind: 'invalid', field: 'deadline', message: `deadline: ${window}` } : null;
}

/** A final report carries evidence when the indicator asks for it. */
export function evidenceProblem(indicator: Pick<Indicator, 'code' | 'evidence'>, final: boolean, evidence: readonly string[] | undefined): Refusal | null {
  if (final && indicator.evidence.required && !(evidence && evidence.length > 0)) {
    return { kind: 'invalid', field: 'evidence', message: `evidence: ${indicator.code} needs evidence with the final report` };
  }
  return null;
}

/** The first refusal of several checks, or null. */
export function firstProblem(...checks: (() => Refusal | null)[]): Refusal | null {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return null;
}
