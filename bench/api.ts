// Benchmark: the API under load from a second process. A district of BENCH_UNITS units (default 5,000) is issued and
// dispatched (115,000 tasks); the API then runs as its own process (bin/api.ts) and this process is the load: 50
// clients of mixed roles (BENCH_CONCURRENCY) over loopback. Phases: reads (chairs' inboxes, task pages, officers'
// inboxes, the leaders' screen); the verbs one after another (claim, report with evidence, approve) over
// BENCH_CHAIRS tasks (default 1,000); everything at once (reads and the verbs of another 1,000 tasks); and the
// inbox read at rising concurrency to find the throughput at which its p95 doubles. Bounded in time and requests.
// Run with `npm run bench:api`, which provisions throw-away servers first.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { sign } from 'hono/jwt';
import { benchDistrict, benchPeople, peakRssMb, seconds, settled } from './district';
import { report, runLoad, type Shot } from './load';

const units = Number(process.env.BENCH_UNITS ?? 5000);
const chairs = Math.min(Number(process.env.BENCH_CHAIRS ?? 1000), units);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);
const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 15_000);
const d = await benchDistrict(units);
await d.workerReady();

const t0 = Date.now();
const plan = await d.call('POST', '/plans', d.token, { year: 2030, name: '基准计划', deadline: '2030-11-30T00:00:00Z' });
await d.call('POST', `/plans/${plan.id}/issue`, d.token);
while ((await d.call('GET', `/plans/${plan.id}`, d.token)).status !== 'issued') await new Promise((r) => setTimeout(r, 500));
await Promise.all(d.townships.map((t) => d.call('POST', `/plans/${plan.id}/dispatch`, d.token, { townshipId: t.id })));
console.log(`set-up: ${units} units, ${units * 23} tasks issued and dispatched in ${seconds(Date.now() - t0)} s`);
// The load starts once the worker has run the new unit workflows' first tasks (BENCH_SETTLE=off: at once, as the
// runs before 2026-12-05 did), so the verbs are measured as a district sees them on an ordinary day.
if (process.env.BENCH_SETTLE !== 'off') console.log(`the worker settled ${seconds(await settled(d.worker.pid!))} s after the dispatch`);

// The API as its own process, on a free port.
const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const p = (probe.address() as { port: number }).port;
    probe.close(() => resolve(p));
  });
});
const api = spawn(process.execPath, ['--import', 'tsx', 'bin/api.ts'], {
  env: { ...process.env, DATABASE_URL: d.env.DATABASE_URL, TEMPORAL_TASK_QUEUE: d.env.TEMPORAL_TASK_QUEUE, JWT_SECRET: d.env.JWT_SECRET, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATABASE_POOL_MAX: '20' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
process.on('exit', () => api.kill('SIGKILL'));
const base = `http://127.0.0.1:${port}/api/v1`;
for (;;) {
  const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok).catch(() => false);
  if (ok) break;
  await new Promise((r) => setTimeout(r, 300));
}

// People: a chair per unit (first 2 × BENCH_CHAIRS units do verbs), an officer per township; tokens signed directly.
const unitRows = await benchPeople(d.sql, d.townships);
const ids = new Map((await d.sql<{ id: string; login: string }[]>`select id, login from users where login like 'bench-%'`).map((u) => [u.login, u.id]));
const now = Math.floor(Date.now() / 1000);
const tokenOf = (login: string) => sign({ sub: ids.get(login)!, iat: now, exp: now + 6 * 3600 }, d.env.JWT_SECRET, 'HS256');
const officerToken = new Map(await Promise.all(d.townships.map(async (t, i) => [t.id, await tokenOf(`bench-officer-${i}`)] as const)));
const people = await Promise.all(unitRows.map(async (u, i) => ({ orgId: u.id, token: await tokenOf(`bench-chair-${i}`), officer: officerToken.get(u.townshipId)! })));
const taskIds = new Map(
  (await d.sql<{ orgId: string; indicator: string; id: string }[]>`
    select org_id as "orgId", indicator, id from tasks where plan_id = ${plan.id} and indicator in ('HS-02', 'GF-02', 'HL-02')`).map((t) => [`${t.orgId}:${t.indicator}`, t.id]),
);
const verbUnits = people.slice(0, chairs * 3);
const evidence = new Map<string, string>();
for (const p of verbUnits) {
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% bench\n%%EOF\n')], { type: 'application/pdf' }), '活动记录.pdf');
  const res = await fetch(`${base}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${p.token}` }, body: form });
  evidence.set(p.orgId, ((await res.json()) as { id: string }).id);
}
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const districtToken = d.token;

function readShot(): Shot {
  const r = Math.random();
  const p = pick(people);
  if (r < 0.5) return { kind: 'chair inbox', url: `${base}/tasks?planId=${plan.id}&limit=50`, token: p.token };
  if (r < 0.8) return { kind: 'task page', url: `${base}/tasks/${taskIds.get(`${p.orgId}:HL-02`)}`, token: p.token };
  if (r < 0.95) return { kind: 'officer inbox', url: `${base}/tasks?planId=${plan.id}&limit=50`, token: p.officer };
  return { kind: 'screen', url: `${base}/plans/${plan.id}/screen`, token: districtToken };
}
/** The verbs of one indicator's tasks: each claimed, then reported, then approved, in that order per task. */
function verbQueue(indicator: string, who: typeof people) {
  const claims = [...who];
  const reports: typeof people = [];
  const reviews: typeof people = [];
  return (): Shot | undefined => {
    const r = reviews.shift();
    if (r) return { kind: 'evaluate', method: 'POST', url: `${base}/tasks/${taskIds.get(`${r.orgId}:${indicator}`)}/evaluate`, token: r.officer, body: { decision: 'approve' } };
    const p = reports.shift();
    if (p) {
      return {
        kind: 'report', method: 'POST', url: `${base}/tasks/${taskIds.get(`${p.orgId}:${indicator}`)}/report`, token: p.token,
        body: { value: 4, final: true, evidence: [evidence.get(p.orgId)!] }, then: (s) => s === 200 && reviews.push(p),
      };
    }
    const c = claims.shift();
    if (c) return { kind: 'claim', method: 'POST', url: `${base}/tasks/${taskIds.get(`${c.orgId}:${indicator}`)}/claim`, token: c.token, body: { responsible: '工会主席' }, then: (s) => s === 200 && reports.push(c) };
    return undefined;
  };
}

console.log(`\nAPI process on loopback; load from this process; ${concurrency} clients`);
report('reads', await runLoad({ concurrency, durationMs: phaseMs, next: readShot }), concurrency);

const verbsAlone = verbQueue('HS-02', verbUnits.slice(0, chairs));
const alone = await runLoad({ concurrency, durationMs: 10 * 60_000, next: verbsAlone });
report(`verbs alone (${chairs} tasks claimed, reported, approved)`, alone, concurrency);
const verbsDone = ['claim', 'report', 'evaluate'].reduce((n, k) => n + (alone.kinds.get(k)?.times.length ?? 0), 0);
console.log(`  claim + report: ${((alone.kinds.get('claim')?.times.length ?? 0) / (alone.wallMs / 1000)).toFixed(0)} tasks/s over the phase; all verbs ${(verbsDone / (alone.wallMs / 1000)).toFixed(0)}/s`);

// HL-02 is a count like HS-02, so the same report (4, final, with evidence) is valid for it.
const verbsMixed = verbQueue('HL-02', verbUnits.slice(chairs, chairs * 2));
let turn = 0;
report(
  `mixed (reads and the verbs of ${chairs} more tasks)`,
  await runLoad({ concurrency, durationMs: phaseMs * 2, next: () => (turn++ % 3 === 0 ? (verbsMixed() ?? readShot()) : readShot()) }),
  concurrency,
);

// The verbs as people send them: on a schedule (open loop) at rising rates, each task claimed, then reported, then
// approved (HS-02 of the units the mixed phase did not touch). A verb's latency counts from when it was due.
console.log(`\nthe verbs on a schedule (open loop, ${concurrency} clients, ${phaseMs / 1000} s each):`);
const verbsPaced = verbQueue('HS-02', verbUnits.slice(chairs * 2, chairs * 3));
for (const rate of [5, 10, 20, 40]) {
  report(`  verbs at ${rate}/s offered`, await runLoad({ concurrency, durationMs: phaseMs, ratePerSecond: rate, next: verbsPaced }), concurrency);
}

console.log('\nthe inbox read at rising concurrency (5 s each):');
let firstP95 = 0;
let ceiling: { c: number; rate: number } | null = null;
for (const c of [1, 5, 10, 25, 50, 100, 200]) {
  const result = await runLoad({ concurrency: c, durationMs: 5000, next: () => ({ kind: 'chair inbox', url: `${base}/tasks?planId=${plan.id}&limit=50`, token: pick(people).token }) });
  const fig = report(`  inbox at ${c}`, result, c).get('chair inbox')!;
  if (c === 1) firstP95 = fig.p95;
  else if (!ceiling && fig.p95 > 2 * firstP95) ceiling = { c, rate: fig.rate };
}
console.log(ceiling ? `throughput ceiling: p95 doubled (vs 1 client) at ${ceiling.c} clients, ${ceiling.rate.toFixed(0)} req/s` : 'throughput ceiling: p95 did not double up to 200 clients');

// The same 50 clients as people rather than a saturating loop: requests on a fixed schedule (open loop), latency
// counted from when each was due. First the reads' mix at rising offered rates, then the inbox alone.
console.log(`\nthe reads' mix on a schedule (open loop, ${concurrency} clients, ${phaseMs / 1000} s each):`);
for (const rate of [50, 100, 200, 400]) {
  report(`  reads at ${rate}/s offered`, await runLoad({ concurrency, durationMs: phaseMs, ratePerSecond: rate, next: readShot }), concurrency);
}
console.log(`\nthe inbox read on a schedule (open loop, ${concurrency} clients, 5 s each):`);
let pacedFirst = 0;
let pacedCeiling: number | null = null;
for (const rate of [50, 100, 200, 300, 400, 600, 800]) {
  const fig = report(`  inbox at ${rate}/s offered`, await runLoad({ concurrency, durationMs: 5000, ratePerSecond: rate, next: () => ({ kind: 'chair inbox', url: `${base}/tasks?planId=${plan.id}&limit=50`, token: pick(people).token }) }), concurrency).get('chair inbox')!;
  if (rate === 50) pacedFirst = fig.p95;
  else if (pacedCeiling === null && fig.p95 > 2 * pacedFirst) pacedCeiling = rate;
}
console.log(pacedCeiling ? `open-loop ceiling: the inbox's p95 doubled (vs 50/s) at ${pacedCeiling}/s offered` : 'open-loop ceiling: p95 did not double up to 800/s offered');
console.log(`\nworker peak RSS ${peakRssMb(d.worker.pid!).toFixed(0)} MiB; API process peak RSS ${peakRssMb(api.pid!).toFixed(0)} MiB`);
api.kill('SIGTERM');
await new Promise((r) => api.once('exit', r));
await d.teardown();
process.exit(0);
