// Benchmark: first the raw baseline, BENCH_UNITS no-op workflows started on the same Temporal server with one
// worker (time until every start is acknowledged, and until all complete); then the cycle: issue a plan to a
// district of BENCH_UNITS grassroots units (default 5,000) in 24 townships, dispatch every township at once, and
// time until all tasks are in the inbox. Prints both and their ratio, with worker and API peak RSS.
// Run with `npm run bench:dispatch`, which provisions throw-away servers first.
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sign } from 'hono/jwt';
import { parseEnv } from '../lib/env';
import { readWorkflowBacklog } from '../lib/backlog-gate';
import { unitAttributes } from '../lib/search-attributes';
import { temporalClient } from '../lib/temporal';
import { planCycleWorkflowId } from '../workflows/plan-cycle.contract';
import { unitTasksWorkflowId } from '../workflows/unit-tasks.contract';
import protoModule from '@temporalio/proto';
import { benchDistrict, cpuOfCommand, cpuSeconds, machineBusySeconds, peakRssMb, pgStatements, rssMb, seconds } from './district';
import { describeWindow, temporalMetrics } from './temporal-metrics';

// @temporalio/proto is CommonJS: under tsx its namespace comes through the default export.
const proto = protoModule.temporal;

/** CPU seconds so far of the machine, the Temporal server (the dev server's `temporal`, the cluster's `server`) and PostgreSQL. */
const serversCpu = () => ({ machine: machineBusySeconds(), temporal: cpuOfCommand('temporal') + cpuOfCommand('server'), postgres: cpuOfCommand('postgres') });
/** "machine X ms = Temporal server Y + PostgreSQL Z + the rest W" per item, from two serversCpu readings. */
function cpuPer(before: ReturnType<typeof serversCpu>, after: ReturnType<typeof serversCpu>, n: number) {
  const ms = (s: number) => ((s * 1000) / n).toFixed(1);
  const machine = after.machine - before.machine;
  const temporal = after.temporal - before.temporal;
  const postgres = after.postgres - before.postgres;
  // A process that exits between the readings takes its CPU out of the sum (seen once: a negative server share).
  if (temporal < 0 || postgres < 0) return `machine ${ms(machine)} ms (not split: a server process ended during the window)`;
  return `machine ${ms(machine)} ms = Temporal server ${ms(temporal)} + PostgreSQL ${ms(postgres)} + the rest ${ms(machine - temporal - postgres)}`;
}

const units = Number(process.env.BENCH_UNITS ?? 5000);
const townshipCount = 24;
const adminUrl = process.env.TEST_DATABASE_URL!;

// ---- The baseline: what the server costs per workflow start, with one worker running no-op workflows.
// With `like: 'unit'` each start carries what a unit workflow's start carries: an input of a unit's size (13 KiB),
// jianjia's search attributes and a memo; the workflow still does nothing. The difference to the plain baseline is
// what the server spends on those alone.
async function baseline(n: number, like?: 'unit') {
  const env = parseEnv({ ...process.env, DATABASE_URL: adminUrl, JWT_SECRET: 'x'.repeat(32) });
  const client = temporalClient(env);
  const taskQueue = `bench-noop-${randomBytes(4).toString('hex')}`;
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue, workflowsPath: fileURLToPath(new URL('./workflows/noop.ts', import.meta.url)) });
  const running = worker.run();
  const metrics0 = await temporalMetrics();
  const cpu0 = serversCpu();
  const t0 = Date.now();
  const handles: { result(): Promise<unknown> }[] = [];
  let next = 0;
  // As many starts in flight as the API keeps for a dispatch (24 townships × 25 units).
  await Promise.all(
    Array.from({ length: 600 }, async () => {
      for (let i = next++; i < n; i = next++) {
        const unitLike =
          like === 'unit'
            ? {
                args: [{ planId: randomUUID(), orgId: randomUUID(), tasks: Array.from({ length: 23 }, () => ({ taskId: randomUUID(), filler: randomBytes(260).toString('hex') })) }],
                typedSearchAttributes: unitAttributes({ id: randomUUID(), year: 2030 }, { code: `BD-T01-U${i}`, townshipCode: 'BD-T01', unitType: 'enterprise' }),
                memo: { unit: `基准单位${i}工会`, township: '第1镇总工会' },
              }
            : {};
        handles.push(await client.workflow.start('noop', { taskQueue, workflowId: `${taskQueue}-${i}`, ...unitLike }));
      }
    }),
  );
  const acknowledged = Date.now() - t0;
  const cpuAcknowledged = cpuPer(cpu0, serversCpu(), n);
  const server = describeWindow(metrics0, await temporalMetrics(), n);
  let waiting = 0;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      for (let i = waiting++; i < handles.length; i = waiting++) await handles[i]!.result();
    }),
  );
  const completed = Date.now() - t0;
  worker.shutdown();
  await running;
  await connection.close();
  await client.connection.close();
  return { acknowledged, completed, cpuAcknowledged, server };
}
// BENCH_BASELINE=off skips the baseline (for quick memory experiments; the ratio is then not printed).
const raw = process.env.BENCH_BASELINE === 'off' ? { acknowledged: NaN, completed: NaN, cpuAcknowledged: '', server: null } : await baseline(units);
console.log(`baseline: ${units} no-op workflow starts acknowledged after ${seconds(raw.acknowledged)} s, all completed after ${seconds(raw.completed)} s`);
if (raw.cpuAcknowledged) console.log(`  CPU a start until the last was acknowledged: ${raw.cpuAcknowledged}`);
if (raw.server) console.log(`  Temporal server until the last was acknowledged: ${raw.server}`);
// BENCH_BASELINE_UNIT_LIKE=1: a second baseline right after the first, its starts carrying a unit's input, search
// attributes and memo (printed only; the ratio stays against the plain no-op starts).
if (process.env.BENCH_BASELINE_UNIT_LIKE === '1' && process.env.BENCH_BASELINE !== 'off') {
  const like = await baseline(units, 'unit');
  console.log(`baseline, starts like a unit's: ${units} acknowledged after ${seconds(like.acknowledged)} s, all completed after ${seconds(like.completed)} s`);
  if (like.server) console.log(`  Temporal server until the last was acknowledged: ${like.server}`);
}

const { sql, env, base, call, token, townships, worker, workerReady, teardown, temporal } = await benchDistrict(units, townshipCount);
// The chair of the district's last unit (the last its township dispatches, so its workflow's first task is the last
// in the queue): it claims a task the moment every task is in its inbox, as a chair who opened the list at once would.
const [lastUnit] = await sql<{ id: string }[]>`select id from orgs where level = 'grassroots' order by code desc limit 1`;
/** An event type's short name: WORKFLOW_TASK_SCHEDULED for EVENT_TYPE_WORKFLOW_TASK_SCHEDULED. */
const eventTypeName = (type: unknown) => String(proto.api.enums.v1.EventType[type as number] ?? type).replace(/^EVENT_TYPE_/, '');
const [lastChair] = await sql<{ id: string }[]>`
  insert into users (login, display_name, role, org_id, password_hash) values ('bench-last-chair', '末位主席', 'grassroots_chair', ${lastUnit!.id}, '$bench$not-a-login')
  returning id`;
const lastChairToken = await sign({ sub: lastChair!.id, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 6 * 3600 }, env.JWT_SECRET, 'HS256');

const plan = await call('POST', '/plans', token, { year: 2030, name: '基准计划', deadline: '2030-11-30T00:00:00Z', escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } });
await workerReady();
/** Tasks of the plan in a state (for the progress line every 10 s). */
const count = async (state: string) => (await sql<{ n: number }[]>`select count(*)::int as n from tasks where plan_id = ${plan.id} and state = ${state}`)[0]!.n;
/** Whether any task of the plan still waits for its dispatch: polled four times a second, so it must cost little beside what is measured. */
const waiting = async () => (await sql<{ w: boolean }[]>`select exists (select 1 from tasks where plan_id = ${plan.id} and state = 'issued') as w`)[0]!.w;
// BENCH_PG_STATEMENTS=1: the costliest statements from issue to a full inbox (pg_stat_statements).
const statements = await pgStatements(sql);
await statements.reset();
const dbBefore = (await sql<{ bytes: string }[]>`select pg_database_size(current_database())::bigint as bytes`)[0]!.bytes;
const cpu0 = { machine: machineBusySeconds(), worker: cpuSeconds(worker.pid!), self: process.cpuUsage() };
/** PostgreSQL's write-ahead log position and checkpoints so far: what the cycle asks of the disk. */
const walState = async () =>
  (await sql<{ lsn: string; checkpoints: number }[]>`select pg_current_wal_lsn()::text as lsn, (checkpoints_timed + checkpoints_req)::int as checkpoints from pg_stat_bgwriter`)[0]!;
const wal0 = await walState();
const metrics0 = await temporalMetrics();
const servers0 = serversCpu();
const t0 = Date.now();
await call('POST', `/plans/${plan.id}/issue`, token);
while ((await call('GET', `/plans/${plan.id}`, token)).status !== 'issued') await new Promise((r) => setTimeout(r, 200));
const tIssued = Date.now();
const total = units * 23;
const answeredAt: number[] = [];
const dispatches = Promise.all(townships.map((t) => call('POST', `/plans/${plan.id}/dispatch`, token, { townshipId: t.id }).then(() => answeredAt.push(Date.now() - tIssued))));
let lastLog = 0;
// The API's own peak, sampled during the dispatch (the process's high-water mark includes the baseline's worker).
let apiPeak = 0;
const sampler = setInterval(() => (apiPeak = Math.max(apiPeak, process.memoryUsage().rss)), 200);
while (await waiting()) {
  if (Date.now() - lastLog > 10_000) {
    lastLog = Date.now();
    process.stdout.write(`  ... ${await count('dispatched')} of ${total} tasks in inboxes after ${seconds(Date.now() - tIssued)} s (worker RSS ${rssMb(worker.pid!).toFixed(0)} MiB)\n`);
  }
  await new Promise((r) => setTimeout(r, 250));
}
const tInbox = Date.now();
const workerAtInbox = cpuSeconds(worker.pid!);
const [lastTask] = await sql<{ id: string }[]>`select id from tasks where plan_id = ${plan.id} and org_id = ${lastUnit!.id} order by indicator limit 1`;
// What a verb queues behind now: the new workflows' first tasks still waiting in the units' queue.
const backlogAtInbox = await readWorkflowBacklog(temporal, env.TEMPORAL_TASK_QUEUE)().catch(() => null);
const tClaim = Date.now();
const lastClaim = await fetch(`${base}/tasks/${lastTask!.id}/claim`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${lastChairToken}` },
  body: JSON.stringify({ responsible: '工会主席' }),
});
const claimMs = Date.now() - tClaim;
// Where the claim's time went: the last unit's workflow history up to the claim's completion, in seconds after the claim was sent.
const claimEvents = ((await temporal.workflow.getHandle(unitTasksWorkflowId(plan.id, lastUnit!.id)).fetchHistory()).events ?? [])
  .map((e) => ({ t: Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6 - tClaim, type: eventTypeName(e.eventType) }))
  .filter((e) => e.t <= claimMs + 1000);
await dispatches;
// From the answers themselves: the claim above may have kept this process waiting past the last one. A township's
// call answers once its units' workflows are started, so the last answer is the end of the dispatch's work.
const tAnswered = tIssued + Math.max(...answeredAt);
const cpu1 = { machine: machineBusySeconds(), worker: cpuSeconds(worker.pid!), self: process.cpuUsage(cpu0.self) };
const servers1 = serversCpu();
const metrics1 = await temporalMetrics();
const wal1 = await walState();
const walBytes = (await sql<{ bytes: number }[]>`select pg_wal_lsn_diff(${wal1.lsn}, ${wal0.lsn})::float8 as bytes`)[0]!.bytes;
const startedUnits = (await sql<{ n: number }[]>`select count(*)::int as n from unit_workflows where plan_id = ${plan.id}`)[0]!.n;
clearInterval(sampler);
const [{ bytes }] = (await sql`select pg_database_size(current_database())::bigint as bytes`) as unknown as [{ bytes: number }];

console.log(`units ${units}, townships ${townshipCount}, tasks ${total}`);
console.log(`issue (下达, ${total} task rows): ${seconds(tIssued - t0)} s`);
// Rows leave version 0 when dispatched; the last chair's claimed task counts as dispatched too.
const dispatchedRows = (await sql<{ n: number }[]>`select count(*)::int as n from tasks where plan_id = ${plan.id} and version > 0`)[0]!.n;
console.log(`tasks dispatched: ${dispatchedRows} of ${total} (no task left waiting)`);
console.log(`dispatch (分办): every task in its unit's inbox after ${seconds(tInbox - tIssued)} s (${Math.round(total / ((tInbox - tIssued) / 1000))} tasks/s)`);
if (backlogAtInbox) console.log(`units' queue when the inbox was full: ${backlogAtInbox.count} workflow tasks waiting, the oldest for ${seconds(backlogAtInbox.ageMs)} s (DISPATCH_BACKLOG_MS ${env.DISPATCH_BACKLOG_MS})`);
console.log(`the last unit's chair claimed a task the moment the inbox was full: answered ${lastClaim.status} after ${seconds(claimMs)} s`);
console.log(`  its unit's workflow (s after the claim was sent): ${claimEvents.map((e) => `${e.type} ${seconds(e.t)}`).join(', ')}`);
console.log(`all 24 dispatch calls answered after ${seconds(tAnswered - tIssued)} s, with ${startedUnits} of ${units} unit workflows started (${Math.round(units / ((tAnswered - tIssued) / 1000))} a second); issue to full inbox ${seconds(tInbox - t0)} s`);
console.log(`ratio (issue + dispatch to full inbox) ÷ (baseline starts acknowledged): ${((tInbox - t0) / raw.acknowledged).toFixed(2)}`);
// The inbox fills first and the unit workflows start after it (a chair's verb starts its own unit on the way): the
// second ratio is the whole dispatch's, each unit workflow started and (paced by its queue) its first task run.
console.log(`ratio (issue + dispatch to every unit workflow started) ÷ (baseline starts acknowledged): ${((tAnswered - t0) / raw.acknowledged).toFixed(2)}; ÷ (baseline workflows completed): ${((tAnswered - t0) / raw.completed).toFixed(2)}`);
console.log(`worker peak RSS ${peakRssMb(worker.pid!).toFixed(0)} MiB; API process peak RSS during dispatch ${(apiPeak / 1024 / 1024).toFixed(0)} MiB; database ${(bytes / 1024 / 1024).toFixed(0)} MiB`);

// What one unit costs, for sizing (docs/benchmarks.md): CPU from issue to the last dispatch answer (every unit workflow
// started), split by process; the database's growth; one unit workflow's history after its dispatch.
const cpu = { machine: cpu1.machine - cpu0.machine, worker: cpu1.worker - cpu0.worker, api: (cpu1.self.user + cpu1.self.system) / 1e6 };
const rest = cpu.machine - cpu.worker - cpu.api;
console.log(
  `CPU from issue to the last dispatch answer: machine ${cpu.machine.toFixed(0)} s (worker ${cpu.worker.toFixed(0)}, API and bench process ${cpu.api.toFixed(0)}, ` +
    `Temporal and PostgreSQL ${rest.toFixed(0)}); per unit ${((cpu.machine / units) * 1000).toFixed(1)} ms (worker ${((cpu.worker / units) * 1000).toFixed(1)}, Temporal and PostgreSQL ${((rest / units) * 1000).toFixed(1)})`,
);
console.log(`  CPU a unit, by server: ${cpuPer(servers0, servers1, units)}`);
const cycleServer = describeWindow(metrics0, metrics1, units);
if (cycleServer) console.log(`  Temporal server from issue to the last dispatch answer: ${cycleServer}`);
console.log(`  of which the worker's before the inbox was full: ${(workerAtInbox - cpu0.worker).toFixed(1)} s`);
console.log(`PostgreSQL's write-ahead log from issue to the last dispatch answer: ${(walBytes / 2 ** 20).toFixed(0)} MiB (${(walBytes / units / 1024).toFixed(1)} KiB a unit), ${wal1.checkpoints - wal0.checkpoints} checkpoints`);
await statements.print('issue to the last dispatch answer (per unit)', units, 12);
const [firstUnit] = await sql<{ orgId: string }[]>`select org_id as "orgId" from tasks where plan_id = ${plan.id} order by org_id limit 1`;
const unitHistory = await temporal.workflow.getHandle(unitTasksWorkflowId(plan.id, firstUnit!.orgId)).fetchHistory();
console.log(
  `per unit: database +${((Number(bytes) - Number(dbBefore)) / units / 1024).toFixed(1)} KiB (${((Number(bytes) - Number(dbBefore)) / total).toFixed(0)} B a task); ` +
    `unit workflow history after dispatch ${unitHistory.events?.length ?? 0} events, ${(proto.api.history.v1.History.encode(unitHistory).finish().length / 1024).toFixed(1)} KiB`,
);

// Where the plan workflow's time went: its workflow tasks (queue wait, timeouts) and when each township's update was accepted.
const history = await temporal.workflow.getHandle(planCycleWorkflowId(plan.id)).fetchHistory();
const at = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
let scheduled = 0;
const waits: number[] = [];
let timedOut = 0;
const accepted: number[] = [];
for (const e of history.events ?? []) {
  if (e.workflowTaskScheduledEventAttributes) scheduled = at(e);
  if (e.workflowTaskStartedEventAttributes && at(e) >= tIssued) waits.push(at(e) - scheduled);
  if (e.workflowTaskTimedOutEventAttributes && at(e) >= tIssued) timedOut++;
  if (e.workflowExecutionUpdateAcceptedEventAttributes && at(e) >= tIssued) accepted.push(at(e) - tIssued);
}
waits.sort((a, b) => a - b);
console.log(`plan workflow during dispatch: ${waits.length} workflow tasks, queue wait p50 ${seconds(waits[Math.floor(waits.length / 2)] ?? 0)} s, max ${seconds(waits.at(-1) ?? 0)} s, ${timedOut} timed out`);
console.log(`township updates accepted at (s after issue): ${accepted.map((x) => seconds(x)).join(' ')}`);
console.log(`township calls answered at (s after issue): ${answeredAt.sort((a, b) => a - b).map((x) => seconds(x)).join(' ')}`);

// The last unit workflows' first tasks may still be queued when the last call answers, and the worker's memory peaks
// while those run: wait until the worker is quiet (under 5% of a core over 5 s, at most
// 10 min) and give its high-water mark then, the memory of a district with every unit workflow open.
const tSettle = Date.now();
for (let last = cpuSeconds(worker.pid!); Date.now() - tSettle < 600_000; ) {
  await new Promise((r) => setTimeout(r, 5000));
  const now = cpuSeconds(worker.pid!);
  if (now - last < 0.25) break;
  last = now;
}
console.log(`after the last dispatch answer the worker ran the unit workflows' first tasks for ${seconds(Date.now() - tSettle)} s more; worker peak RSS with every unit workflow open ${peakRssMb(worker.pid!).toFixed(0)} MiB (now ${rssMb(worker.pid!).toFixed(0)} MiB)`);

await teardown();
process.exit(0);
