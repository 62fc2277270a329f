// Benchmark: the guidance ladder at scale. A district of BENCH_UNITS grassroots units (default 5,000; 23 tasks each)
// with a chair per unit and an officer per township, every org's group robot a webhook on a loopback receiver. One
// plan whose deadline falls BENCH_LADDER_SECONDS after it is created (default: 0.12 s a unit, at least 180 s) for
// every task at the same moment; the reminder is set halfway there, so two waves fire after the dispatch has ended:
// 提醒 (to the unit) halfway, 预警 (to the unit and its township) at the deadline. For each wave: the time from the
// moment until every rung is recorded, every notice written, and every webhook delivery received; rungs missed or
// doubled, deliveries received twice; and the worker's peak RSS in each phase (dispatch, idle, each wave).
// Run with `npm run bench:ladder`, which provisions throw-away servers first.
import { sign } from 'hono/jwt';
import { createServer } from 'node:http';
import { availableParallelism as availableCores } from 'node:os';
import type { AddressInfo } from 'node:net';
import { benchDistrict, benchPeople, cpuSeconds, machineBusySeconds, peakRssMb, pgStatements, rssMb, seconds } from './district';

const units = Number(process.env.BENCH_UNITS ?? 5000);
const lead = Number(process.env.BENCH_LADDER_SECONDS ?? Math.max(180, Math.round(units * 0.12)));
const d = await benchDistrict(units);
const chairs = await benchPeople(d.sql, d.townships);
const statements = await pgStatements(d.sql);

// The group robots: one receiver, a path per org; every notice id counted, so a second delivery of one shows.
const received = new Map<string, number>();
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['x-jianjia-notice-id'] ?? '');
    received.set(id, (received.get(id) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"errcode":0,"errmsg":"ok"}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const robot = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/robot/`;
await d.sql`update orgs set webhook_url = ${robot} || code where district_id = ${d.districtId} and level in ('township', 'grassroots')`;

// The worker's resident memory, sampled twice a second; each phase keeps its own peak.
let phase = 'set-up';
const peaks = new Map<string, number>();
const sampler = setInterval(() => peaks.set(phase, Math.max(peaks.get(phase) ?? 0, rssMb(d.worker.pid!))), 500);

await d.workerReady();
const t0 = Date.now();
const deadline = new Date(t0 + lead * 1000);
const remindAt = new Date(t0 + (lead * 1000) / 2);
const beijingYear = new Date(deadline.getTime() + 8 * 3600_000).getUTCFullYear();
const plan = await d.call('POST', '/plans', d.token, {
  year: beijingYear,
  name: '督导阶梯基准',
  deadline: deadline.toISOString(),
  escalation: { remindBefore: `PT${Math.floor(lead / 2)}S`, warnAfter: 'PT0S', superviseAfter: 'P7D', orderResponse: 'P7D', summonsAfter: 'P3D' },
});
phase = 'dispatch';
await d.call('POST', `/plans/${plan.id}/issue`, d.token);
while ((await d.call('GET', `/plans/${plan.id}`, d.token)).status !== 'issued') await new Promise((r) => setTimeout(r, 500));
await Promise.all(d.townships.map((t) => d.call('POST', `/plans/${plan.id}/dispatch`, d.token, { townshipId: t.id })));
const count = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
const tasks = await count(d.sql`select count(*)::int as n from tasks where plan_id = ${plan.id} and state = 'dispatched' and deadline = ${deadline}`);
const dispatched = Date.now();
console.log(`units ${units}, tasks ${tasks} (all due ${deadline.toISOString()}); issued and dispatched in ${seconds(dispatched - t0)} s`);
if (dispatched > remindAt.getTime()) console.log(`!! the dispatch ended after the reminder time: raise BENCH_LADDER_SECONDS (now ${lead})`);
phase = 'idle';

/**
 * A chair who claims a task a second into a wave: the wave's wake-ups are queued in the units' queue by then, and a
 * claim is delivered with its workflow's next task. (A claimed task is not done: its rungs still fire.)
 */
async function claimDuringWave(unitIndex: number) {
  const unit = chairs[unitIndex]!;
  const [user] = await d.sql<{ id: string }[]>`select id from users where org_id = ${unit.id} and role = 'grassroots_chair'`;
  const [task] = await d.sql<{ id: string }[]>`select id from tasks where plan_id = ${plan.id} and org_id = ${unit.id} order by indicator limit 1`;
  const now = Math.floor(Date.now() / 1000);
  const token = await sign({ sub: user!.id, iat: now, exp: now + 3600 }, d.env.JWT_SECRET, 'HS256');
  await new Promise((r) => setTimeout(r, 1000));
  const t = Date.now();
  const res = await fetch(`${d.base}/tasks/${task!.id}/claim`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ responsible: '工会主席' }),
  });
  await res.arrayBuffer();
  return `a chair's claim 1 s into the wave answered ${res.status} after ${seconds(Date.now() - t)} s`;
}

/** Time one wave: from `at` until every rung, notice and delivery of `rung` is in, checking each step. */
async function wave(rung: 'remind' | 'warn', at: Date, noticesPerTask: number) {
  while (Date.now() < at.getTime()) await new Promise((r) => setTimeout(r, 100));
  phase = rung;
  const claim = claimDuringWave(rung === 'remind' ? chairs.length - 1 : chairs.length - 2);
  await statements.reset();
  const since = at.getTime();
  const cpu0 = { machine: machineBusySeconds(), worker: cpuSeconds(d.worker.pid!) };
  const marks: Record<string, number> = {};
  const limit = Date.now() + 15 * 60_000;
  // Polled cheaply, so the measuring does not take the machine's CPU from what it measures: the rungs through their
  // index (the rung's notices and deliveries are written in the same transaction as the rung), then the deliveries
  // still pending through the outbox's own index; the full counts once, at the end.
  for (;;) {
    const now = Date.now() - since;
    if (marks.rungs === undefined) {
      const [r] = await d.sql<{ n: number }[]>`select count(*)::int as n from ladder_rungs where plan_id = ${plan.id} and rung = ${rung}`;
      if (r!.n >= tasks) marks.rungs = marks.notices = now;
    } else {
      const [p] = await d.sql<{ n: number }[]>`select count(*)::int as n from notice_deliveries where status = 'pending' and event_key like ${rung + ':%'}`;
      if (p!.n === 0) {
        const ids = await d.sql<{ id: string }[]>`select id from notice_deliveries where district_id = ${d.districtId} and event_key like ${rung + ':%'}`;
        if (ids.length > 0 && ids.every((r) => received.has(r.id))) {
          marks.received = now;
          const [s] = await d.sql<{ rungs: number; distinctRungs: number; notices: number; delivered: number }[]>`
            select (select count(*)::int from ladder_rungs where plan_id = ${plan.id} and rung = ${rung}) as rungs,
              (select count(distinct (task_id, deadline))::int from ladder_rungs where plan_id = ${plan.id} and rung = ${rung}) as "distinctRungs",
              (select count(*)::int from notices n join tasks t on t.id = n.task_id where t.plan_id = ${plan.id} and n.kind = ${rung}) as notices,
              (select count(*)::int from notice_deliveries where district_id = ${d.districtId} and event_key like ${rung + ':%'} and status = 'delivered') as delivered`;
          const twice = ids.filter((r) => (received.get(r.id) ?? 0) > 1).length;
          const noticesShort = tasks * noticesPerTask - s!.notices;
          console.log(
            `${rung === 'remind' ? '提醒 remind' : '预警 warn'} wave: ${s!.rungs} rungs (${tasks - s!.distinctRungs} missed, ${s!.rungs - s!.distinctRungs} doubled) in ${seconds(marks.rungs!)} s; ` +
              `${s!.notices} in-app notices${noticesShort !== 0 ? ` (${noticesShort} short)` : ''} in ${seconds(marks.notices!)} s; ${s!.delivered} of ${ids.length} webhook deliveries received in ${seconds(marks.received!)} s ` +
              `(${twice} received twice, ${Math.round(ids.length / (marks.received / 1000))}/s); worker peak ${peaks.get(rung)!.toFixed(0)} MiB`,
          );
          // The wave's CPU (the waves may overlap: then each includes some of the other), per rung, for sizing.
          const machine = machineBusySeconds() - cpu0.machine;
          const worker = cpuSeconds(d.worker.pid!) - cpu0.worker;
          console.log(`  CPU: machine ${machine.toFixed(0)} s, worker ${worker.toFixed(0)} s; per rung ${((machine / tasks) * 1000).toFixed(2)} ms (worker ${((worker / tasks) * 1000).toFixed(2)} ms)`);
          console.log(`  ${await claim}`);
          await statements.print(`${rung} wave`, tasks);
          return;
        }
      }
    }
    if (Date.now() > limit) {
      console.log(`${rung} wave incomplete after 15 min: marks ${JSON.stringify(marks)}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
await wave('remind', remindAt, 1);
phase = 'idle';
await wave('warn', deadline, 2);

/**
 * The units' own timers for the two waves (LADDER_BACKSTOP_MS after each unit's place in the spread): every unit
 * wakes, finds its rungs fired and writes and sends nothing. What that costs, and that nothing was written twice.
 * BENCH_BACKSTOP=off skips it (it adds the backstop and the spread to the run).
 */
async function backstops() {
  const backstopMs = d.env.LADDER_BACKSTOP_MS;
  if (backstopMs <= 0 || process.env.BENCH_BACKSTOP === 'off') return;
  const from = remindAt.getTime() + backstopMs;
  const to = deadline.getTime() + backstopMs + units * d.env.LADDER_SPREAD_MS_PER_UNIT;
  const totals = async () => {
    const [r] = await d.sql<{ rungs: number; notices: number; deliveries: number }[]>`
      select (select count(*)::int from ladder_rungs where plan_id = ${plan.id}) as rungs,
        (select count(*)::int from notices n join tasks t on t.id = n.task_id where t.plan_id = ${plan.id}) as notices,
        (select count(*)::int from notice_deliveries where district_id = ${d.districtId}) as deliveries`;
    return r!;
  };
  const before = await totals();
  const receivedBefore = [...received.values()].reduce((a, b) => a + b, 0);
  while (Date.now() < from) await new Promise((r) => setTimeout(r, 250));
  phase = 'backstops';
  const cpu0 = { machine: machineBusySeconds(), worker: cpuSeconds(d.worker.pid!) };
  const claim = claimDuringWave(chairs.length - 3);
  // Until the last unit's warning backstop has fired and its workflow task is done: the spread's end, then until the
  // machine is quiet (under 20% of its cores busy over 5 s) or a minute has passed.
  while (Date.now() < to) await new Promise((r) => setTimeout(r, 500));
  let quietAt = Date.now();
  for (let m0 = machineBusySeconds(); Date.now() - to < 60_000; ) {
    await new Promise((r) => setTimeout(r, 5000));
    const m1 = machineBusySeconds();
    if ((m1 - m0) / 5 < 0.2 * availableCores()) {
      quietAt = Date.now() - 5000;
      break;
    }
    m0 = m1;
    quietAt = Date.now();
  }
  const machine = machineBusySeconds() - cpu0.machine;
  const worker = cpuSeconds(d.worker.pid!) - cpu0.worker;
  const after = await totals();
  const receivedAfter = [...received.values()].reduce((a, b) => a + b, 0);
  console.log(
    `units' own timers (backstop ${backstopMs / 1000} s, from ${seconds(from - deadline.getTime())} to ${seconds(quietAt - deadline.getTime())} s after the deadline): ` +
      `rungs ${before.rungs} → ${after.rungs}, in-app notices ${before.notices} → ${after.notices}, deliveries ${before.deliveries} → ${after.deliveries}, webhooks received ${receivedBefore} → ${receivedAfter}`,
  );
  console.log(`  CPU: machine ${machine.toFixed(0)} s, worker ${worker.toFixed(0)} s (${((machine / units) * 1000).toFixed(1)} ms a unit for its two wake-ups); worker peak ${peaks.get('backstops')!.toFixed(0)} MiB`);
  console.log(`  ${await claim}`);
}
await backstops();
clearInterval(sampler);
console.log(
  `worker peak RSS by phase: ${[...peaks].map(([p, mb]) => `${p} ${mb.toFixed(0)} MiB`).join(', ')}; overall high-water mark ${peakRssMb(d.worker.pid!).toFixed(0)} MiB`,
);
receiver.close();
await d.teardown();
process.exit(0);
