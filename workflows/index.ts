// Every workflow the worker registers. Deterministic code only: no Node built-ins, no I/O.
export { adjustment } from './adjustment';
export { planCycle } from './plan-cycle';
export { unitTasks } from './unit-tasks';
export { sharedLadder } from './shared-ladder';
