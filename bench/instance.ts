// Benchmark: what one workflow instance costs the worker. In a reused V8 context (the SDK's default) every unit
// workflow, new or replayed after eviction from the cache, evaluates its own copy of the modules the workflow code
// imports; this measures that copy's heap and CPU from the project's own bundle, with the SDK's context, no server.
// Run with `npm run bench:instance` (BENCH_INSTANCES, default 500).
import { bundleWorkflowCode } from '@temporalio/worker';
// The SDK's reusable-context workflow creator (what the worker's workflow threads run), reached directly.
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import { bundleOptions } from '../lib/worker';

const n = Number(process.env.BENCH_INSTANCES ?? 500);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:instance does)');
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };
const { code, sourceMap } = await bundleWorkflowCode({ ...bundleOptions, logger: quiet as never }).then((b) => {
  // The bundle carries its source map inline, as the worker reads it.
  const at = b.code.lastIndexOf('//# sourceMappingURL=data:');
  return { code: b.code, sourceMap: JSON.parse(Buffer.from(b.code.slice(b.code.indexOf('base64,', at) + 7).trimEnd(), 'base64').toString()) };
});
const modules = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].length;
const creator = await ReusableVMWorkflowCreator.create({ code, sourceMap, filename: '/bench/workflow-bundle.js' }, 5000, new Set(), undefined);
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const held: unknown[] = [];
const before = heap();
const started = process.cpuUsage();
for (let i = 0; i < n; i++) {
  const runId = `run-${i}`;
  const now = new Date();
  const info = {
    workflowType: 'unitTasks', workflowId: `bench-${i}`, runId, firstExecutionRunId: runId, namespace: 'default', taskQueue: 'bench', attempt: 1,
    historyLength: 3, historySize: 1000, continueAsNewSuggested: false, startTime: now, runStartTime: now, searchAttributes: {}, typedSearchAttributes: [],
    memo: {}, workflowTaskTimeoutMs: 10_000, priority: {}, unsafe: { isReplaying: false, isReplayingHistoryEvents: false, now: Date.now, random: Math.random },
  };
  held.push(await creator.createWorkflow({ info, randomnessSeed: [1, 2, 3, 4], now: now.getTime(), showStackTraceSources: false, failureExceptionTypeNames: [] } as never));
}
const cpu = process.cpuUsage(started);
const after = heap();
console.log(`bundle: ${(code.length / 1024).toFixed(0)} KiB, ${modules} modules`);
console.log(`${n} workflow instances held: ${((after - before) / n / 1024).toFixed(1)} KiB of heap each, ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms of CPU each to create (module evaluation)`);
console.log(`so ${500} cached workflows (WORKER_CACHED_WORKFLOWS default) hold about ${(((after - before) / n) * 500 / 1024 / 1024).toFixed(0)} MiB of the workflow thread's heap`);
