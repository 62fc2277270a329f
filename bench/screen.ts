// Benchmark: the leaders' one screen and the live index at district scale. A district of BENCH_UNITS units
// (default 5,000) in 24 townships and a plan of the 23 indicators (115,000 tasks) is written directly in SQL
// (the workflow is not what is measured) with a realistic mix of states, points, lights, ladder rungs, orders
// and summons; unit_index is filled by refreshUnitIndex and a snapshot taken. Then, through the real HTTP API,
// the screen call's server time over BENCH_CALLS calls (district and one township), the database time of one
// approval's index update (refreshUnitIndex for one unit in a transaction), each screen query on its own with
// EXPLAIN ANALYZE of the costly ones, and the district task list export (115,000 rows) with the process's memory.
// Run with `npm run bench:screen`, which provisions throw-away servers first.
import { serve } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import postgres from 'postgres';
import { createApp } from '../api/app';
import { connect, transaction, type Sql } from '../db/client';
import { migrate } from '../db/migrate';
import { ensureDefaultCatalogue } from '../db/queries/catalogue';
import { beijingDay, ladderFunnel, lightCounts, mostOverdue, openEscalations, placesDaysAgo, rankedUnits, rollups, snapshots, takeSnapshot } from '../db/queries/standing';
import { refreshUnitIndex } from '../db/queries/unit-index';
import { defaultCatalogue } from '../indicators';
import { parseEnv } from '../lib/env';
import { createLogger } from '../lib/log';
import { hashPassword } from '../lib/password';
import { temporalClient } from '../lib/temporal';

const units = Number(process.env.BENCH_UNITS ?? 5000);
const calls = Number(process.env.BENCH_CALLS ?? 50);
const updates = Number(process.env.BENCH_UPDATES ?? 200);
const townshipCount = 24;
const adminUrl = process.env.TEST_DATABASE_URL!;
const database = `bench_${randomBytes(4).toString('hex')}`;
const ms = (x: number) => x.toFixed(1);
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const summary = (xs: number[]) => `p50 ${ms(quantile(xs, 0.5))} ms, p95 ${ms(quantile(xs, 0.95))} ms, max ${ms(Math.max(...xs))} ms (n=${xs.length})`;
const now = () => performance.now();

const admin = connect(adminUrl, 1);
await admin.unsafe(`create database ${database}`);
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const sql = connect(url.toString(), 20);
await migrate(sql);
await ensureDefaultCatalogue(sql);
const [pg] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;

// ---- The district: 24 townships, `units` units of every type and size.
const t0 = now();
const [district] = await sql<{ id: string }[]>`
  insert into orgs (id, code, name, level, district_id)
  select id, 'BD', '基准测试区总工会', 'district', id from (select gen_random_uuid() as id) f returning id`;
const districtId = district!.id;
const townships = await sql<{ id: string; code: string }[]>`
  insert into orgs ${sql(Array.from({ length: townshipCount }, (_, i) => ({ code: `BD-T${String(i + 1).padStart(2, '0')}`, name: `第${i + 1}镇街总工会`, level: 'township', parent_id: districtId, district_id: districtId })))}
  returning id, code`;
await sql`update orgs set township_id = id where level = 'township'`;
townships.sort((a, b) => a.code.localeCompare(b.code));
const types = ['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment'];
const orgRows = Array.from({ length: units }, (_, i) => {
  const t = townships[i % townshipCount]!;
  const members = [12, 60, 300, 1500][i % 4]!;
  return { code: `${t.code}-U${String(i + 1).padStart(5, '0')}`, name: `基准单位${i + 1}工会`, level: 'grassroots', parent_id: t.id, district_id: districtId, township_id: t.id, unit_type: types[i % types.length], members, female_members: Math.floor(members / 3) };
});
for (let i = 0; i < orgRows.length; i += 2000) await sql`insert into orgs ${sql(orgRows.slice(i, i + 2000))}`;
const passwordHash = await hashPassword('bench-password');
const officerTownship = townships[0]!;
await sql`insert into users (login, display_name, role, org_id, password_hash) values
  ('bench-admin', '基准管理员', 'district_admin', ${districtId}, ${passwordHash}),
  ('bench-officer', '基准镇街干部', 'township_officer', ${officerTownship.id}, ${passwordHash})`;

// ---- The plan, issued; 23 townships dispatched, the last one not (its units' tasks stay `issued`).
const year = new Date().getUTCFullYear();
const [plan] = await sql<{ id: string }[]>`
  insert into plans (district_id, year, name, deadline, catalogue_version, indicators, status, issued_at)
  values (${districtId}, ${year}, ${`${year}年度基准建家计划`}, ${new Date(Date.UTC(year, 10, 30, 16))}, 1,
    ${defaultCatalogue.indicators.map((i) => i.code)}, 'issued', now() - interval '120 days')
  returning id`;
const planId = plan!.id;
const silent = townships.at(-1)!;
await sql`
  insert into plan_townships (plan_id, township_id, status, dispatched_at, dispatched_by)
  select ${planId}, id, case when id = ${silent.id} then 'issued' else 'dispatched' end,
    case when id = ${silent.id} then null else now() - interval '110 days' end, 'bench'
  from orgs where level = 'township' and district_id = ${districtId}`;

// Tasks: one per unit and indicator. The mix (per task, from a seeded hash): about half approved with full or
// partial points, the rest spread over the open states; a third of the deadlines already passed, the rest ahead.
const catalogueRows = defaultCatalogue.indicators.map((i) => ({ code: i.code, category: i.category, department: i.department, two_tier: i.twoTier, points: i.points, target: i.targets.default }));
await sql`
  with cat as (
    select * from jsonb_to_recordset(${sql.json(catalogueRows as never)}) as c(code text, category text, department text, two_tier boolean, points numeric, target numeric)
  ), base as (
    select o.id as org_id, o.township_id, c.*, ('x' || substr(md5(o.code || c.code), 1, 8))::bit(32)::int::bigint & 2147483647 as h
    from orgs o cross join cat c where o.district_id = ${districtId} and o.level = 'grassroots'
  ), mixed as (
    select *, (h % 1000) / 1000.0 as r, ((h / 1000) % 1000) / 1000.0 as r2 from base
  )
  insert into tasks (plan_id, org_id, township_id, district_id, indicator, category, department, two_tier, state, target, deadline,
    responsible, value, points, max_points, exit_reason, version, light)
  select ${planId}, org_id, township_id, ${districtId}, code, category, department, two_tier, st.state, target,
    case when r2 < 0.33 then now() - (r2 * 180 || ' days')::interval else now() + ((r2 - 0.3) * 200 || ' days')::interval end,
    case when st.state not in ('issued', 'dispatched') then '负责人' end,
    case when st.state in ('reported', 'reviewed', 'approved', 'returned') then target end,
    case when st.state = 'approved' then points * (case when r2 < 0.75 then 1 when r2 < 0.9 then 0.7 when r2 < 0.97 then 0.4 else 0 end) end,
    points, case when st.state = 'exited' then '不适用' end, 3, 'green'
  from mixed, lateral (select case
      when township_id = ${silent.id} then 'issued'
      when r < 0.50 then 'approved'
      when r < 0.58 then 'reported'
      when r < 0.62 then case when two_tier then 'reviewed' else 'reported' end
      when r < 0.66 then 'returned'
      when r < 0.82 then 'claimed'
      when r < 0.98 then 'dispatched'
      else 'exited' end as state) st`;
// The ladder on open tasks whose deadline passed: reminded, then warned, then ordered, and a summons when an
// order's answer is late; lights follow from that, as refresh_task_light has it.
await sql`
  insert into ladder_rungs (task_id, deadline, rung, fired_at, plan_id, org_id, township_id, district_id)
  select t.id, t.deadline, r.rung, t.deadline + r.offset_, t.plan_id, t.org_id, t.township_id, t.district_id
  from tasks t cross join (values ('remind', interval '-5 days', 0), ('warn', interval '0', 1), ('supervise', interval '7 days', 2)) r(rung, offset_, step)
  where t.plan_id = ${planId} and t.state in ('dispatched', 'claimed', 'returned') and t.deadline + r.offset_ < now()
    and (abs(hashtext(t.id::text)) % 3) >= r.step`;
await sql`
  insert into supervision_orders (number, task_id, plan_id, org_id, township_id, district_id, issuer_org_id, task_deadline, reason, issued_at, respond_by, responded_at, response_text, responded_by)
  select '富工督〔' || ${year} || '〕' || row_number() over (order by r.fired_at, t.id) || '号', t.id, t.plan_id, t.org_id, t.township_id, t.district_id,
    t.township_id, t.deadline, '逾期未完成', r.fired_at, r.fired_at + interval '7 days',
    case when abs(hashtext(t.id::text || 'a')) % 2 = 0 then r.fired_at + interval '3 days' end,
    case when abs(hashtext(t.id::text || 'a')) % 2 = 0 then '已整改' end,
    case when abs(hashtext(t.id::text || 'a')) % 2 = 0 then 'bench' end
  from ladder_rungs r join tasks t on t.id = r.task_id where r.rung = 'supervise' and t.plan_id = ${planId}`;
await sql`
  insert into summons (order_id, task_id, plan_id, org_id, township_id, district_id, summoner_org_id, proposed_at, place, created_at)
  select o.id, o.task_id, o.plan_id, o.org_id, o.township_id, o.district_id, o.district_id, o.respond_by + interval '3 days', '区总工会会议室', o.respond_by
  from supervision_orders o where o.plan_id = ${planId} and o.responded_at is null and o.respond_by < now()`;
await sql`
  update tasks t set light = case
      when exists (select 1 from supervision_orders o where o.task_id = t.id and o.responded_at is null)
        or exists (select 1 from summons s where s.task_id = t.id and s.outcome is null) then 'red'
      when exists (select 1 from ladder_rungs r where r.task_id = t.id and r.deadline = t.deadline and r.rung in ('warn', 'supervise')) then 'yellow'
      when exists (select 1 from ladder_rungs r where r.task_id = t.id and r.deadline = t.deadline and r.rung = 'remind') then 'blue'
      else 'green' end
  where t.plan_id = ${planId} and t.state not in ('approved', 'exited', 'issued')`;
const tData = now();

// ---- unit_index through the same function the projection uses, in batches of 250 units: every unit, as issue
// writes it (the silent township's units with all their tasks not dispatched).
const unitIds = (await sql<{ id: string }[]>`select id from orgs where level = 'grassroots' and district_id = ${districtId} order by code`).map((r) => r.id);
for (let i = 0; i < unitIds.length; i += 250) await transaction(sql, (tx) => refreshUnitIndex(tx, planId, unitIds.slice(i, i + 250)));
const tIndex = now();
// A snapshot a week ago (townships in reverse order, so rank change shows) and today's.
await takeSnapshot(sql, planId, beijingDay(new Date(Date.now() - 7 * 86_400_000)));
await sql`update index_snapshots set rank = 25 - rank where plan_id = ${planId} and day < ${beijingDay()} and rank is not null`;
await takeSnapshot(sql, planId);
await sql`vacuum analyze`;
const tReady = now();

const [mix] = await sql<{ tasks: number; approved: number; open: number; red: number; yellow: number; blue: number; rungs: number; orders: number; openOrders: number; summons: number; indexRows: number; mb: number }[]>`
  select (select count(*)::int from tasks) as tasks, (select count(*)::int from tasks where state = 'approved') as approved,
    (select count(*)::int from tasks where state in ('dispatched', 'claimed', 'returned', 'reported', 'reviewed')) as open,
    (select count(*)::int from tasks where light = 'red') as red, (select count(*)::int from tasks where light = 'yellow') as yellow,
    (select count(*)::int from tasks where light = 'blue') as blue, (select count(*)::int from ladder_rungs) as rungs,
    (select count(*)::int from supervision_orders) as orders, (select count(*)::int from supervision_orders where responded_at is null) as "openOrders",
    (select count(*)::int from summons) as summons, (select count(*)::int from unit_index) as "indexRows",
    (pg_database_size(current_database()) / 1048576)::int as mb`;
console.log(`PostgreSQL ${pg!.version}; node ${process.version}; ${cpus().length} cores; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} before measuring`);
console.log(`units ${units} in ${townshipCount} townships (1 not dispatched); tasks ${mix!.tasks}: approved ${mix!.approved}, open ${mix!.open}; lights red ${mix!.red}, yellow ${mix!.yellow}, blue ${mix!.blue}`);
console.log(`ladder rungs ${mix!.rungs}, orders ${mix!.orders} (${mix!.openOrders} open), summons ${mix!.summons}; unit_index rows ${mix!.indexRows}; database ${mix!.mb} MiB`);
console.log(`setup: data ${ms((tData - t0) / 1000)} s, unit_index for ${unitIds.length} units through refreshUnitIndex ${ms((tIndex - tData) / 1000)} s, snapshots and analyze ${ms((tReady - tIndex) / 1000)} s`);

// ---- The API over real HTTP; server time is measured around the app's fetch (routing, auth, queries, JSON).
const env = parseEnv({ ...process.env, DATABASE_URL: url.toString(), TEMPORAL_TASK_QUEUE: `bench-${database}`, JWT_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn' });
const temporal = temporalClient(env);
const app = createApp({ env, sql, temporal, log: createLogger('warn', 'bench-api') });
const serverTimes: number[] = [];
const server = serve({
  fetch: async (req: Request) => {
    const started = now();
    const res = await app.fetch(req);
    serverTimes.push(now() - started);
    return res;
  },
  hostname: '127.0.0.1',
  port: 0,
});
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
async function login(name: string) {
  const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: name, password: 'bench-password' }) });
  return ((await res.json()) as { token: string }).token;
}
const adminToken = await login('bench-admin');
const officerToken = await login('bench-officer');

/** `n` sequential calls; server and round-trip times of each. */
async function measure(path: string, token: string, n: number) {
  const server: number[] = [];
  const roundTrip: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const started = now();
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${Buffer.from(body).toString()}`);
    roundTrip.push(now() - started);
    server.push(serverTimes.at(-1)!);
    bytes = body.byteLength;
  }
  return { server, roundTrip, bytes };
}

await measure(`/plans/${planId}/screen`, adminToken, 5); // warm-up: connections, plan caches
const districtScreen = await measure(`/plans/${planId}/screen`, adminToken, calls);
await measure(`/plans/${planId}/screen`, officerToken, 3);
const townshipScreen = await measure(`/plans/${planId}/screen?scope=township:${officerTownship.id}`, officerToken, calls);
console.log('');
console.log(`GET /plans/{id}/screen, district scope (${(districtScreen.bytes / 1024).toFixed(0)} KiB): server ${summary(districtScreen.server)}; round trip p95 ${ms(quantile(districtScreen.roundTrip, 0.95))} ms`);
console.log(`GET /plans/{id}/screen, one township (${(townshipScreen.bytes / 1024).toFixed(0)} KiB): server ${summary(townshipScreen.server)}; round trip p95 ${ms(quantile(townshipScreen.roundTrip, 0.95))} ms`);

// ---- One approval's index update: a task turns approved, then refreshUnitIndex for its unit, in one transaction
// (rolled back, so every run sees the same data). The clock runs around refreshUnitIndex only.
const candidates = await sql<{ id: string; orgId: string; points: number }[]>`
  select id, org_id as "orgId", max_points::float8 as points from tasks where plan_id = ${planId} and state = 'reported' order by md5(id::text) limit ${updates}`;
const updateTimes: number[] = [];
class Rollback extends Error {}
for (const task of candidates) {
  try {
    await transaction(sql, async (tx) => {
      await tx`update tasks set state = 'approved', points = ${task.points}, version = version + 1 where id = ${task.id}`;
      const started = now();
      await refreshUnitIndex(tx, planId, [task.orgId]);
      updateTimes.push(now() - started);
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
}
console.log(`index update of one approval (refreshUnitIndex, one unit, in the transaction): ${summary(updateTimes)}`);

// ---- Each query of the screen on its own (district scope), p50 of 20 runs, and EXPLAIN ANALYZE of the costly ones.
const slice = { districtId };
const queries: [string, (s: Sql) => Promise<unknown>][] = [
  ['rollups', (s) => rollups(s, planId, slice)],
  ['lightCounts', (s) => lightCounts(s, planId, slice)],
  ['openEscalations', (s) => openEscalations(s, planId, slice)],
  ['ladderFunnel', (s) => ladderFunnel(s, planId, slice)],
  ['rankedUnits(10)', (s) => rankedUnits(s, planId, slice, 10)],
  ['snapshots', (s) => snapshots(s, planId, 'district')],
  ['mostOverdue(10)', (s) => mostOverdue(s, planId, slice, 10)],
  ['placesDaysAgo', (s) => placesDaysAgo(s, planId, 7)],
];
// A second pool that records each statement's text and parameters, to EXPLAIN exactly what the functions send.
const captured: { query: string; params: unknown[] }[] = [];
const recording = postgres(url.toString(), {
  max: 1,
  onnotice: () => {},
  types: { bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number) => String(x) } },
  transform: { undefined: null },
  // The driver's own catalogue lookup on connecting is not the screen's.
  debug: (_c, query, params) => void (/pg_catalog\.pg_type/.test(query) || captured.push({ query, params: params as unknown[] })),
}) as unknown as Sql;
console.log('');
console.log('screen queries one by one (district scope), p50 of 20 runs:');
const costly: { name: string; p50: number; statements: { query: string; params: unknown[] }[] }[] = [];
for (const [name, run] of queries) {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = now();
    await run(sql);
    times.push(now() - started);
  }
  captured.length = 0;
  await run(recording);
  costly.push({ name, p50: quantile(times, 0.5), statements: [...captured] });
  console.log(`  ${name.padEnd(16)} p50 ${ms(quantile(times, 0.5)).padStart(6)} ms  (${captured.length} statement${captured.length > 1 ? 's' : ''})`);
}
const explainTop = Number(process.env.BENCH_EXPLAIN ?? 3);
for (const q of costly.sort((a, b) => b.p50 - a.p50).slice(0, explainTop)) {
  for (const st of q.statements) {
    const plan = await sql.unsafe(`explain (analyze, buffers) ${st.query}`, st.params as never[]);
    const lines = plan.map((r) => String((r as Record<string, unknown>)['QUERY PLAN']));
    console.log('');
    console.log(`EXPLAIN ANALYZE ${q.name}:`);
    for (const line of lines.filter((l) => !/^\s+Buffers:/.test(l)).slice(0, Number(process.env.BENCH_EXPLAIN_LINES ?? 40))) console.log(`  ${line}`);
  }
}

// ---- What-if: the changes docs/benchmarks.md proposes for the costliest screen queries, each tried inside a
// transaction that is rolled back (schema changes included), timed like the originals above.
const p50Of = async (run: () => Promise<unknown>, n = 20) => {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = now();
    await run();
    times.push(now() - started);
  }
  return quantile(times, 0.5);
};
/** Time `run` after `change`, and check it answers what today's query (`today`) answers. */
async function whatIf(name: string, change: (tx: Sql) => Promise<unknown>, run: (tx: Sql) => Promise<unknown>, today: (tx: Sql) => Promise<unknown>) {
  try {
    await transaction(sql, async (tx) => {
      await change(tx);
      const before = await p50Of(() => today(tx));
      const after = await p50Of(() => run(tx));
      const same = JSON.stringify(await run(tx)) === JSON.stringify(await today(tx));
      console.log(`  ${name}: p50 ${ms(before)} → ${ms(after)} ms; same answer: ${same ? 'yes' : 'NO'}`);
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
}
console.log('');
console.log('what-if (rolled back after timing):');
await whatIf(
  'lightCounts with an index (plan_id, township_id, light) where light <> green',
  async (tx) => {
    await tx`create index tasks_plan_township_light on tasks (plan_id, township_id, light) where light <> 'green'`;
    await tx`analyze tasks`;
  },
  (tx) => lightCounts(tx, planId, slice),
  (tx) => lightCounts(tx, planId, slice),
);

// ---- The district's whole task list as Excel, streamed: time, size, and the API process's memory meanwhile.
// Live memory is what a buffered export would hold: heap in use plus Buffers, sampled right after a forced GC
// (RSS also counts garbage not yet collected).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const live = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const rssBefore = process.memoryUsage().rss;
const liveBefore = live();
let rssPeak = rssBefore;
let livePeak = liveBefore;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  livePeak = Math.max(livePeak, live());
}, 1000);
const exportStarted = now();
const exported = await fetch(`${base}/plans/${planId}/exports/tasks.xlsx`, { headers: { authorization: `Bearer ${adminToken}` } });
let exportBytes = 0;
let firstByte = 0;
for await (const chunk of exported.body as unknown as AsyncIterable<Uint8Array>) {
  if (!firstByte) firstByte = now() - exportStarted;
  exportBytes += chunk.byteLength;
}
clearInterval(sampler);
console.log('');
console.log(`GET /plans/{id}/exports/tasks.xlsx, whole district (${mix!.tasks} rows): ${exported.status}, ${(exportBytes / 1048576).toFixed(1)} MiB in ${ms((now() - exportStarted) / 1000)} s, first byte after ${ms(firstByte)} ms; live heap and buffers after GC ${(liveBefore / 1048576).toFixed(0)} MiB before, peak ${(livePeak / 1048576).toFixed(0)} MiB during; RSS ${(rssBefore / 1048576).toFixed(0)} → peak ${(rssPeak / 1048576).toFixed(0)} MiB (API and client in one process; GC forced every second)`);

const goals = [
  ['screen p95 < 100 ms (district)', quantile(districtScreen.server, 0.95) < 100],
  ['screen p95 < 100 ms (township)', quantile(townshipScreen.server, 0.95) < 100],
  ['index update p95 < 20 ms', quantile(updateTimes, 0.95) < 20],
] as const;
console.log('');
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} after measuring (other work on the machine inflates every figure)`);
for (const [goal, met] of goals) console.log(`${met ? 'met   ' : 'MISSED'} ${goal}`);

server.close();
await temporal.connection.close();
await recording.end();
await sql.end();
await admin.unsafe(`drop database ${database} with (force)`);
await admin.end();
process.exit(0);
