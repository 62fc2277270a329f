// Benchmark: the verbs' round trip. A district of BENCH_UNITS units (default 1,000) is issued and dispatched;
// then BENCH_CHAIRS chairs (default 500, one per unit) claim and then report (final, with evidence) one task each,
// and their township officers approve them, at BENCH_CONCURRENCY clients at once (default 50). Each verb is a
// Temporal update whose handler waits for the task's projection into PostgreSQL, so the figures are the full
// read-your-own-write round trip. Prints p50/p95/p99, throughput and errors per verb.
// Run with `npm run bench:verbs`, which provisions throw-away servers first.
import { sign } from 'hono/jwt';
import { benchDistrict, benchPeople, cpuOfCommand, cpuSeconds, machineBusySeconds, peakRssMb, pgStatements, seconds, settled } from './district';

const units = Number(process.env.BENCH_UNITS ?? 1000);
const chairs = Math.min(Number(process.env.BENCH_CHAIRS ?? 500), units);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);
const indicator = 'HS-02';
const d = await benchDistrict(units);
const statements = await pgStatements(d.sql);
await d.workerReady();

const plan = await d.call('POST', '/plans', d.token, { year: 2030, name: '基准计划', deadline: '2030-11-30T00:00:00Z', indicators: [indicator, 'GF-02'] });
await d.call('POST', `/plans/${plan.id}/issue`, d.token);
while ((await d.call('GET', `/plans/${plan.id}`, d.token)).status !== 'issued') await new Promise((r) => setTimeout(r, 200));
await Promise.all(d.townships.map((t) => d.call('POST', `/plans/${plan.id}/dispatch`, d.token, { townshipId: t.id })));

// One chair per unit and one officer per township, with tokens signed directly (logins are not what is measured).
const unitRows = await benchPeople(d.sql, d.townships, chairs);
const ids = new Map((await d.sql<{ id: string; login: string }[]>`select id, login from users where login like 'bench-%'`).map((u) => [u.login, u.id]));
const now = Math.floor(Date.now() / 1000);
const tokenOf = (login: string) => sign({ sub: ids.get(login)!, iat: now, exp: now + 6 * 3600 }, d.env.JWT_SECRET, 'HS256');
const officerToken = new Map(await Promise.all(d.townships.map(async (t, i) => [t.id, await tokenOf(`bench-officer-${i}`)] as const)));
const work = await Promise.all(
  unitRows.map(async (u, i) => {
    const token = await tokenOf(`bench-chair-${i}`);
    const [task] = await d.sql<{ id: string }[]>`select id from tasks where plan_id = ${plan.id} and org_id = ${u.id} and indicator = ${indicator}`;
    return { token, taskId: task!.id, officer: officerToken.get(u.townshipId)!, evidence: '' };
  }),
);
// Evidence uploaded before the clock starts.
for (const w of work) {
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% bench\n%%EOF\n')], { type: 'application/pdf' }), '活动记录.pdf');
  const res = await fetch(`${d.base}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${w.token}` }, body: form });
  w.evidence = ((await res.json()) as { id: string }).id;
}

async function phase(name: string, send: (w: (typeof work)[number]) => Promise<Response>) {
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  await statements.reset();
  const cpu0 = { machine: machineBusySeconds(), worker: cpuSeconds(d.worker.pid!), api: process.cpuUsage(), temporal: cpuOfCommand('temporal'), postgres: cpuOfCommand('postgres') };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < work.length; i = next++) {
        const started = performance.now();
        const res = await send(work[i]!);
        await res.arrayBuffer();
        times.push(performance.now() - started);
        if (res.status !== 200) errors += 1;
      }
    }),
  );
  const wall = performance.now() - t0;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(0);
  console.log(`${name}: ${times.length} at ${concurrency} clients in ${seconds(wall)} s, ${(times.length / (wall / 1000)).toFixed(0)}/s; p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms; errors ${errors}`);
  // Where the CPU went, per verb: the worker, this process (the API and the clients), and the rest of the machine
  // (the Temporal server and PostgreSQL).
  const api = process.cpuUsage(cpu0.api);
  const per = (s: number) => ((s * 1000) / times.length).toFixed(1);
  const machine = machineBusySeconds() - cpu0.machine;
  const worker = cpuSeconds(d.worker.pid!) - cpu0.worker;
  const self = (api.user + api.system) / 1e6;
  const temporal = cpuOfCommand('temporal') - cpu0.temporal;
  const postgres = cpuOfCommand('postgres') - cpu0.postgres;
  console.log(
    `  CPU a verb: ${per(machine)} ms machine = worker ${per(worker)} + API and clients ${per(self)} + Temporal server ${per(temporal)} + PostgreSQL ${per(postgres)} + other ${per(machine - worker - self - temporal - postgres)} (machine ${((machine / (wall / 1000)) * 100).toFixed(0)}% of a core)`,
  );
  await statements.print(name, times.length, 8);
}
const post = (path: string, token: string, body: unknown) =>
  fetch(d.base + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

// Measured once the dispatch's own work is done (five minutes at most).
const settleMs = await settled(d.worker.pid!);
console.log(`units ${units}, chairs ${chairs}, one ${indicator} task each; the worker settled ${seconds(settleMs)} s after the dispatch`);
await phase('claim', (w) => post(`/tasks/${w.taskId}/claim`, w.token, { responsible: '工会主席' }));
await phase('report', (w) => post(`/tasks/${w.taskId}/report`, w.token, { value: 4, final: true, evidence: [w.evidence] }));
await phase('evaluate', (w) => post(`/tasks/${w.taskId}/evaluate`, w.officer, { decision: 'approve' }));
const [{ n }] = (await d.sql`select count(*)::int as n from tasks where plan_id = ${plan.id} and indicator = ${indicator} and state = 'approved'`) as unknown as [{ n: number }];
console.log(`approved in the database: ${n} of ${chairs}; worker peak RSS ${peakRssMb(d.worker.pid!).toFixed(0)} MiB`);
await d.teardown();
process.exit(0);
