// `npm run chaos`: the fault matrix. Starts the cluster profile (scripts/start.mjs --profile cluster: a Temporal
// server on PostgreSQL, 2 workers, 2 API processes behind the balancer, every process supervised) on free loopback
// ports in a scratch folder, seeds a district of CHAOS_UNITS grassroots units (default 1,000) with webhooks to a
// loopback robot, then runs trials. A trial is one phase (in turn: a dispatch of every unit by all 24 townships at
// once; a burst of concurrent claims, reports and reviews; a wave of ladder rungs whose deadlines pass at the same
// moment) with a kill -9 at a random moment inside it, of one process or of a pair of different kinds (a worker, an
// API process, the Temporal server, PostgreSQL). Then: the supervisor restarts what died, every call that got no
// answer, a 503 or a reset is sent again with the same Idempotency-Key until it answers, the system goes quiet, and
// the invariants are checked. Prints one line per trial and a table at the end; exits 1 on any violation or any 500.
// CHAOS_TRIALS kills per process kind (default 20; a pair counts for both), CHAOS_MAX_MINUTES the overall bound
// (default 90: then it stops and prints what it has, flagged incomplete). Loopback only; stops by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { sign } from 'hono/jwt';
import { reconcileTasks } from '../activities/reconcile';
import { connect, type Sql } from '../db/client';
import { publishedCatalogue } from '../db/queries/unit-index';
import { unitStanding } from '../indicators';
import { parseEnv } from '../lib/env';
import { temporalClient } from '../lib/temporal';
// @ts-expect-error: plain .mjs helpers without type declarations
import { freePort, makeScratchDir, portOpen } from '../scripts/lib/services.mjs';
// @ts-expect-error: plain .mjs helpers without type declarations
import { freeLowPort } from '../scripts/lib/cluster.mjs';

const trialsPerKind = Number(process.env.CHAOS_TRIALS ?? 20);
const unitCount = Number(process.env.CHAOS_UNITS ?? 1000);
const maxMinutes = Number(process.env.CHAOS_MAX_MINUTES ?? 90);
const burstTasks = Number(process.env.CHAOS_BURST ?? 150);
const waveTownships = Number(process.env.CHAOS_WAVE_TOWNSHIPS ?? 3);
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1e6));
const keep = process.env.CHAOS_KEEP === '1';
const root = path.resolve(import.meta.dirname, '..');
const townshipCount = 24;
const startedAt = Date.now();
const stopBy = startedAt + maxMinutes * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => (ms / 1000).toFixed(1);
const say = (line: string) => process.stdout.write(`[chaos] ${line}\n`);

// A small seeded generator (mulberry32), so a run can be repeated with CHAOS_SEED.
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

// ---------------------------------------------------------------------------------------------------------------
// The cluster, started as `npm run start:cluster` would be, on free ports in a scratch folder.
type Kind = 'worker' | 'API' | 'Temporal' | 'PostgreSQL';
const kinds: Kind[] = ['worker', 'API', 'Temporal', 'PostgreSQL'];
const processNames: Record<Kind, string[]> = { worker: ['worker 1', 'worker 2'], API: ['API 1', 'API 2'], Temporal: ['Temporal server'], PostgreSQL: ['PostgreSQL'] };

const dataDir: string = makeScratchDir('jianjia-chaos');
/** Free ports for the balancer (PORT, with PORT+1 and PORT+2 for the API processes) and the servers, all distinct. */
async function choosePorts() {
  const taken = new Set<number>();
  let port = 0;
  do port = await freePort();
  while ((await portOpen(port + 1)) || (await portOpen(port + 2)));
  [port, port + 1, port + 2].forEach((p) => taken.add(p));
  const another = async (pick: () => Promise<number>) => {
    let p = 0;
    do p = await pick();
    while (taken.has(p));
    taken.add(p);
    return p;
  };
  return { PORT: port, TEMPORAL_PORT: await another(freeLowPort), TEMPORAL_UI_PORT: await another(freePort), PG_PORT: await another(freePort) };
}
const ports = await choosePorts();
const jwtSecret = randomBytes(32).toString('base64url');
const clusterLog = path.join(dataDir, 'cluster.log');
const logStream = createWriteStream(clusterLog);
let output = '';
const pids = new Map<string, number>();
let cluster: ChildProcess | null = null;

function startCluster(robotUrl: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    DATA_DIR: dataDir,
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: 'warn',
    // The matrix kills each kind every few minutes: far above npm start's default of 5 deaths in 5 minutes.
    RESTART_LIMIT: '100000',
    // Quick turns for the outbox, so a wave's webhooks are out within seconds of its rungs.
    NOTICE_POLL_MS: '200',
    NOTICE_RETRY_BASE_MS: '1000',
    TEMPORAL_HISTORY_SHARDS: '4',
    CHAOS_ROBOT: robotUrl,
  };
  for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'NODE_ENV', 'TEMPORAL_UI_URL', 'PUBLIC_URL', 'HOST']) delete env[k];
  const child = spawn(process.execPath, ['scripts/start.mjs', '--profile', 'cluster'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  const take = (d: Buffer) => {
    const text = d.toString('utf8');
    logStream.write(text);
    output += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const m = /\] (.+?) started \(pid (\d+)\)/.exec(line);
      if (m) pids.set(m[1]!, Number(m[2]));
    }
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  cluster = child;
  return child;
}

async function stopCluster() {
  if (!cluster || cluster.exitCode !== null) return;
  const exited = new Promise((r) => cluster!.once('exit', r));
  cluster.kill('SIGINT');
  await Promise.race([exited, sleep(90_000)]);
}

// Whatever happens, leave nothing behind: Ctrl-C and errors stop the cluster (its own SIGINT handler stops its processes).
let finishing = false;
async function cleanUp(code: number) {
  if (finishing) return;
  finishing = true;
  await stopCluster();
  logStream.end();
  if (keep || code !== 0) say(`scratch folder kept: ${dataDir} (cluster log: ${clusterLog})`);
  else rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void cleanUp(130));
process.on('SIGTERM', () => void cleanUp(143));

// ---------------------------------------------------------------------------------------------------------------
// The webhook robot on loopback: it answers 200 and counts deliveries per notice id (X-Jianjia-Notice-Id).
const robotHits = new Map<string, number>();
let robotRequests = 0;
const robot: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    robotRequests += 1;
    const id = req.headers['x-jianjia-notice-id'];
    if (typeof id === 'string') robotHits.set(id, (robotHits.get(id) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"errcode":0,"errmsg":"ok"}');
  });
});
await new Promise<void>((r) => robot.listen(0, '127.0.0.1', r));
const robotUrl = `http://127.0.0.1:${(robot.address() as AddressInfo).port}`;

// ---------------------------------------------------------------------------------------------------------------
// HTTP through the balancer, as a careful client: every change carries an Idempotency-Key, and a call that gets
// no answer, a reset or a 503 is sent again with the same key until it answers. Every status seen is counted.
const base = `http://127.0.0.1:${ports.PORT}`;
const statuses = new Map<string, number>(); // "200", "503", "reset", ...
const bad: string[] = []; // 500s and other answers no retry can explain
const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);

interface Call {
  method: string;
  path: string;
  token: string;
  body?: unknown;
  key?: string;
  timeoutMs?: number;
}
async function once(c: Call): Promise<{ status: number; body: any; retryAfter: number }> {
  try {
    const res = await fetch(base + c.path, {
      method: c.method,
      headers: { authorization: `Bearer ${c.token}`, ...(c.body === undefined ? {} : { 'content-type': 'application/json' }), ...(c.key ? { 'idempotency-key': c.key } : {}) },
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
      signal: AbortSignal.timeout(c.timeoutMs ?? 120_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, retryAfter: Number(res.headers.get('retry-after') ?? 1) };
  } catch {
    return { status: 0, body: null, retryAfter: 1 };
  }
}
/** Send until answered 2xx (or `accept`), at most `boundMs`; anything else is recorded as bad and returned. */
async function call(c: Call, boundMs = 600_000, accept: (s: number) => boolean = (s) => s >= 200 && s < 300): Promise<{ status: number; body: any; tries: number }> {
  const until = Date.now() + boundMs;
  for (let tries = 1; ; tries++) {
    const r = await once(c);
    count(r.status === 0 ? 'no answer' : String(r.status));
    if (accept(r.status)) return { ...r, tries };
    const retryable = r.status === 0 || r.status === 503;
    if (!retryable) {
      bad.push(`${c.method} ${c.path} (key ${c.key ?? 'none'}) answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      return { ...r, tries };
    }
    if (Date.now() > until) {
      bad.push(`${c.method} ${c.path} (key ${c.key ?? 'none'}) still unanswered after ${secs(boundMs)} s (last ${r.status})`);
      return { ...r, tries };
    }
    await sleep(Math.min(Math.max(r.retryAfter, 0.5), 2) * 1000);
  }
}
const must = async (c: Call) => {
  const r = await call(c);
  if (r.status < 200 || r.status >= 300) throw new Error(`${c.method} ${c.path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** A database query that waits out an outage of PostgreSQL (the checker's own connections die with it). */
async function q<T>(run: () => Promise<T>, boundMs = 300_000): Promise<T> {
  const until = Date.now() + boundMs;
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(1000);
    }
  }
}

async function ready(boundMs = 300_000) {
  const until = Date.now() + boundMs;
  const up = (port: number) => fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status === 200, () => false);
  for (;;) {
    const all = await Promise.all([ports.PORT, ports.PORT + 1, ports.PORT + 2].map(up));
    if (all.every(Boolean)) return;
    if (Date.now() > until) throw new Error('the cluster did not become ready again');
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------------------------
say(`seed ${seed}; ${trialsPerKind} kills per process kind; ${unitCount} units; bound ${maxMinutes} min; scratch ${dataDir}`);
startCluster(robotUrl);
{
  const until = Date.now() + 600_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (cluster!.exitCode !== null || Date.now() > until) {
      process.stdout.write(output.split('\n').slice(-40).join('\n'));
      say('the cluster did not come up');
      await cleanUp(1);
    }
    await sleep(500);
  }
}
say(`cluster up after ${secs(Date.now() - startedAt)} s (API ${base}, Temporal 127.0.0.1:${ports.TEMPORAL_PORT})`);

const pgPassword = readFileSync(path.join(dataDir, 'postgres', 'password'), 'utf8').trim();
const databaseUrl = `postgres://jianjia:${encodeURIComponent(pgPassword)}@127.0.0.1:${ports.PG_PORT}/jianjia`;
const env = parseEnv({ ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: `127.0.0.1:${ports.TEMPORAL_PORT}`, JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn' });
const sql: Sql = connect(databaseUrl, 10);
const temporal = temporalClient(env);

// ---- The district: 24 townships, CHAOS_UNITS units, a district admin, an officer per township, a chair per unit.
const [district] = await sql<{ id: string }[]>`
  insert into orgs (id, code, name, level, district_id)
  select id, 'CH', '故障矩阵区总工会', 'district', id from (select gen_random_uuid() as id) f returning id`;
const districtId = district!.id;
const townships = await sql<{ id: string; code: string }[]>`
  insert into orgs ${sql(Array.from({ length: townshipCount }, (_, i) => ({ code: `CH-T${String(i + 1).padStart(2, '0')}`, name: `矩阵第${i + 1}镇总工会`, level: 'township', parent_id: districtId, district_id: districtId })))}
  returning id, code`;
townships.sort((a, b) => a.code.localeCompare(b.code));
await sql`update orgs set township_id = id, webhook_url = ${robotUrl} || '/robot/' || code where level = 'township' and district_id = ${districtId}`;
const unitTypes = ['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment'];
const unitRows = Array.from({ length: unitCount }, (_, i) => {
  const t = townships[i % townshipCount]!;
  const members = [12, 60, 300, 1500][i % 4]!;
  const code = `${t.code}-U${String(i + 1).padStart(5, '0')}`;
  return { code, name: `矩阵单位${i + 1}工会`, level: 'grassroots', parent_id: t.id, district_id: districtId, township_id: t.id, unit_type: unitTypes[i % unitTypes.length], members, female_members: Math.floor(members / 3), webhook_url: `${robotUrl}/robot/${code}` };
});
for (let i = 0; i < unitRows.length; i += 2000) await sql`insert into orgs ${sql(unitRows.slice(i, i + 2000))}`;
const units = await sql<{ id: string; code: string; townshipId: string }[]>`
  select id, code, township_id as "townshipId" from orgs where district_id = ${districtId} and level = 'grassroots' order by code`;
const hash = '$chaos$not-a-login';
await sql`insert into users (login, display_name, role, org_id, password_hash) values ('chaos-admin', '矩阵管理员', 'district_admin', ${districtId}, ${hash})`;
await sql`insert into users ${sql(townships.map((t, i) => ({ login: `chaos-officer-${i}`, display_name: `矩阵镇干部${i}`, role: 'township_officer', org_id: t.id, password_hash: hash })))}`;
for (let i = 0; i < units.length; i += 2000) {
  await sql`insert into users ${sql(units.slice(i, i + 2000).map((u, j) => ({ login: `chaos-chair-${i + j}`, display_name: `矩阵主席${i + j}`, role: 'grassroots_chair', org_id: u.id, password_hash: hash })))}`;
}
const userIds = new Map((await sql<{ id: string; login: string }[]>`select id, login from users where login like 'chaos-%'`).map((u) => [u.login, u.id]));
const now = Math.floor(Date.now() / 1000);
const tokenOf = (login: string) => sign({ sub: userIds.get(login)!, iat: now, exp: now + 12 * 3600 }, jwtSecret, 'HS256');
const admin = await tokenOf('chaos-admin');
const officerOf = new Map(await Promise.all(townships.map(async (t, i) => [t.id, await tokenOf(`chaos-officer-${i}`)] as const)));
const chairOf = new Map(await Promise.all(units.map(async (u, i) => [u.id, await tokenOf(`chaos-chair-${i}`)] as const)));
const thisYear = new Date(Date.now() + 8 * 3600_000).getUTCFullYear(); // the plan year runs on Beijing time
say(`seeded district CH: ${townshipCount} townships, ${units.length} units, webhooks to ${robotUrl}`);

async function issuedPlan(body: Record<string, unknown>, label: string) {
  const plan = await must({ method: 'POST', path: '/api/v1/plans', token: admin, body, key: `${label}-create` });
  await must({ method: 'POST', path: `/api/v1/plans/${plan.id}/issue`, token: admin, key: `${label}-issue` });
  for (;;) {
    const p = await must({ method: 'GET', path: `/api/v1/plans/${plan.id}`, token: admin });
    if (p.status === 'issued') return plan.id as string;
    await sleep(300);
  }
}

// ---- The burst plan, dispatched once: its count tasks are claimed, reported and reviewed a burst at a time.
const burstIndicators = ['HS-02', 'HL-02', 'HS-03'];
const burstPlan = await issuedPlan({ year: thisYear + 1, name: '故障矩阵·反馈评价', deadline: `${thisYear + 1}-11-30T00:00:00Z`, indicators: burstIndicators, escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } }, 'burst-plan');
await Promise.all(townships.map((t) => must({ method: 'POST', path: `/api/v1/plans/${burstPlan}/dispatch`, token: officerOf.get(t.id)!, body: {}, key: `burst-plan-dispatch-${t.code}`, timeoutMs: 600_000 })));
// Evidence: one file per chair, uploaded before the trials.
const evidenceOf = new Map<string, string>();
{
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = next++; i < units.length; i = next++) {
        const u = units[i]!;
        const form = new FormData();
        form.set('file', new Blob([Buffer.from('%PDF-1.4\n% chaos\n%%EOF\n')], { type: 'application/pdf' }), '活动记录.pdf');
        const res = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${chairOf.get(u.id)!}` }, body: form });
        if (res.status !== 201 && res.status !== 200) throw new Error(`upload: ${res.status} ${await res.text()}`);
        evidenceOf.set(u.id, ((await res.json()) as { id: string }).id);
      }
    }),
  );
}
const burstQueue = await sql<{ id: string; orgId: string; townshipId: string; indicator: string }[]>`
  select t.id, t.org_id as "orgId", t.township_id as "townshipId", t.indicator from tasks t join orgs o on o.id = t.org_id
  where t.plan_id = ${burstPlan} order by array_position(${burstIndicators}::text[], t.indicator), o.code`;
say(`burst plan dispatched (${burstQueue.length} tasks) and ${evidenceOf.size} evidence files uploaded, ${secs(Date.now() - startedAt)} s in`);

// ---------------------------------------------------------------------------------------------------------------
// Phases. Each returns its calls' promise and what the checks need to know.
interface Phase {
  name: 'dispatch' | 'burst' | 'ladder';
  planId: string;
  /** Resolves when every call of the phase has its final answer. */
  calls: Promise<unknown>;
  /** Resolves when the work the calls started has all landed (rungs fired, deliveries sent...). */
  settled: () => Promise<void>;
  /** The moment the phase started and the window for the kill. */
  t0: number;
  killWindowMs: [number, number];
  /** Reports acknowledged in this phase: task id → value. */
  reports?: Map<string, number>;
}

let dispatchSeq = 0;
async function dispatchPhase(trial: number): Promise<Phase> {
  const indicators = ['GF-03', 'HS-02', 'HL-02', 'HS-03'];
  const planId = await issuedPlan({ year: thisYear + 2, name: `故障矩阵·分办${++dispatchSeq}`, deadline: `${thisYear + 2}-11-30T00:00:00Z`, indicators, escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } }, `t${trial}-plan`);
  const t0 = Date.now();
  const calls = Promise.all(townships.map((t) => call({ method: 'POST', path: `/api/v1/plans/${planId}/dispatch`, token: officerOf.get(t.id)!, body: {}, key: `t${trial}-dispatch-${t.code}`, timeoutMs: 600_000 })));
  return {
    name: 'dispatch', planId, calls, t0, killWindowMs: [500, estimate.dispatch],
    settled: async () => {
      const until = Date.now() + 300_000;
      while ((await q(() => sql<{ n: number }[]>`select count(*)::int as n from tasks where plan_id = ${planId} and version = 0`))[0]!.n > 0 && Date.now() < until) await sleep(500);
    },
  };
}

let burstNext = 0;
async function burstPhase(trial: number): Promise<Phase> {
  const picked = burstQueue.slice(burstNext, burstNext + burstTasks);
  burstNext += picked.length;
  if (picked.length === 0) throw new Error('the burst plan has no untouched tasks left: raise CHAOS_UNITS or lower CHAOS_BURST');
  const reports = new Map<string, number>();
  const t0 = Date.now();
  const calls = Promise.all(
    picked.map(async (t, n) => {
      const chair = chairOf.get(t.orgId)!;
      const claim = await call({ method: 'POST', path: `/api/v1/tasks/${t.id}/claim`, token: chair, body: { responsible: '工会主席' }, key: `t${trial}-claim-${t.id}` });
      if (claim.status !== 200) return;
      const value = 4 + (n % 7);
      const report = await call({ method: 'POST', path: `/api/v1/tasks/${t.id}/report`, token: chair, body: { value, final: true, evidence: [evidenceOf.get(t.orgId)!] }, key: `t${trial}-report-${t.id}` });
      if (report.status !== 200) return;
      reports.set(t.id, value);
      await call({ method: 'POST', path: `/api/v1/tasks/${t.id}/evaluate`, token: officerOf.get(t.townshipId)!, body: { decision: 'approve' }, key: `t${trial}-evaluate-${t.id}` });
    }),
  );
  return { name: 'burst', planId: burstPlan, calls, t0, killWindowMs: [200, estimate.burst], reports, settled: async () => {} };
}

let waveSeq = 0;
async function ladderPhase(trial: number): Promise<Phase> {
  // This year's plan, so a deadline a few seconds away lies within it; second-scale rungs: remind 6 s before the
  // deadline, warn at it, a numbered supervision order 3 s after it.
  const planId = await issuedPlan(
    { year: thisYear, name: `故障矩阵·督导${++waveSeq}`, deadline: `${thisYear + 1}-06-30T00:00:00Z`, indicators: ['HS-01', 'HS-03'], escalation: { remindBefore: 'PT6S', warnAfter: 'PT0S', superviseAfter: 'PT3S', orderResponse: 'P7D', summonsAfter: 'P3D' } },
    `t${trial}-plan`,
  );
  const chosen = Array.from({ length: Math.min(waveTownships, townshipCount) }, (_, i) => townships[(waveSeq * waveTownships + i) % townshipCount]!);
  const t0 = Date.now();
  const deadline = new Date(t0 + 10_000).toISOString(); // every task's deadline passes at this same moment
  const calls = Promise.all(
    chosen.map((t) => {
      const overrides = units.filter((u) => u.townshipId === t.id).flatMap((u) => ['HS-01', 'HS-03'].map((indicator) => ({ unitId: u.id, indicator, deadline })));
      return call({ method: 'POST', path: `/api/v1/plans/${planId}/dispatch`, token: officerOf.get(t.id)!, body: { overrides }, key: `t${trial}-wave-${t.code}`, timeoutMs: 600_000 });
    }),
  );
  const tasks = units.filter((u) => chosen.some((t) => t.id === u.townshipId)).length * 2;
  return {
    name: 'ladder', planId, calls, t0, killWindowMs: [0, 15_000],
    settled: async () => {
      const until = Date.now() + 300_000;
      for (;;) {
        const [row] = await q(() => sql<{ rungs: number; orders: number }[]>`
          select (select count(*)::int from ladder_rungs r join tasks t on t.id = r.task_id where t.plan_id = ${planId}) as rungs,
                 (select count(*)::int from supervision_orders where plan_id = ${planId}) as orders`);
        if ((row!.rungs >= tasks * 3 && row!.orders >= tasks) || Date.now() > until) return;
        await sleep(500);
      }
    },
  };
}

/** About how long each phase's calls take (updated after every trial), so the kill lands inside the phase. */
const estimate = { dispatch: 25_000, burst: 8_000 };

// ---------------------------------------------------------------------------------------------------------------
// The invariants. Each returns the list of violations it found (empty: holds).
const violations = new Map<string, number>();
const invariantNames = [
  'acknowledged reports stored exactly once',
  'one task per (plan, unit, indicator)',
  'each rung fired once per deadline',
  'order numbers without gaps or repeats',
  'notices delivered, once per id at the receiver',
  'live index = recomputation from scratch',
  'workflows and database agree (reconcile)',
  'no 500s; every call completed',
];
for (const n of invariantNames) violations.set(n, 0);
const acknowledged = new Map<string, number>(); // every report acknowledged in the run: task id → value
const dispatchPlans: string[] = [];
const differencesSeen = new Set<string>();
const wavePlans: string[] = [];

async function checkInvariants(phase: Phase): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(invariantNames.map((n) => [n, [] as string[]]));
  const add = (n: string, what: string) => found.get(n)!.push(what);

  // Reports: every acknowledged one is there once with its value; no task of the district has a report nobody acknowledged.
  const stored = await sql<{ taskId: string; n: number; value: number }[]>`
    select r.task_id as "taskId", count(*)::int as n, max(r.value)::float8 as value from task_reports r join tasks t on t.id = r.task_id
    where t.district_id = ${districtId} group by r.task_id`;
  const byTask = new Map(stored.map((r) => [r.taskId, r]));
  for (const [taskId, value] of acknowledged) {
    const row = byTask.get(taskId);
    if (!row) add(invariantNames[0]!, `report on ${taskId} acknowledged but not stored`);
    else if (row.n !== 1 || row.value !== value) add(invariantNames[0]!, `report on ${taskId}: ${row.n} rows, value ${row.value} (sent ${value})`);
  }
  for (const row of stored) if (!acknowledged.has(row.taskId)) add(invariantNames[0]!, `report on ${row.taskId} stored but never acknowledged`);
  const states = await sql<{ n: number }[]>`select count(*)::int as n from tasks where id = any(${[...acknowledged.keys()]}::uuid[]) and state <> 'approved'`;
  if (states[0]!.n > 0) add(invariantNames[0]!, `${states[0]!.n} reported and approved tasks not in state approved`);

  // Tasks: exactly one per (plan, unit, indicator), every unit of every plan, dispatched plans all dispatched once.
  const plans = await sql<{ id: string; indicators: string[]; tasks: number; distinct: number }[]>`
    select p.id, p.indicators, count(t.id)::int as tasks, count(distinct (t.org_id, t.indicator))::int as distinct
    from plans p left join tasks t on t.plan_id = p.id where p.district_id = ${districtId} group by p.id`;
  for (const p of plans) {
    if (p.tasks !== p.distinct || p.tasks !== units.length * p.indicators.length) add(invariantNames[1]!, `plan ${p.id}: ${p.tasks} tasks, ${p.distinct} distinct, ${units.length * p.indicators.length} expected`);
  }
  if (phase.name === 'dispatch') {
    const [row] = await sql<{ notDispatched: number; audits: number }[]>`
      select (select count(*)::int from tasks where plan_id = ${phase.planId} and version = 0) as "notDispatched",
        (select count(*)::int from audit_log a join tasks t on t.id::text = a.subject_id where t.plan_id = ${phase.planId} and a.action = 'task.dispatch') as audits`;
    const total = units.length * 4;
    if (row!.notDispatched > 0) add(invariantNames[1]!, `dispatch: ${row!.notDispatched} tasks never dispatched`);
    if (row!.audits !== total) add(invariantNames[1]!, `dispatch: ${row!.audits} dispatch audit entries for ${total} tasks`);
    // Visibility follows the workflows by a moment: counted again for up to 30 s until it agrees.
    let workflows = 0;
    for (const until = Date.now() + 30_000; ; await sleep(1000)) {
      workflows = 0;
      for await (const wf of temporal.workflow.list({ query: `WorkflowType = 'unitTasks' AND JianjiaPlanId = '${phase.planId}'` })) if (wf.workflowId) workflows++;
      if (workflows === units.length || Date.now() > until) break;
    }
    if (workflows !== units.length) add(invariantNames[1]!, `dispatch: ${workflows} unit workflows for ${units.length} units`);
  }

  // Rungs: one per (task, deadline, rung) and, for every wave task, all three fired.
  for (const planId of wavePlans) {
    const rungs = await sql<{ rung: string; n: number; distinct: number }[]>`
      select r.rung, count(*)::int as n, count(distinct (r.task_id, r.deadline))::int as distinct
      from ladder_rungs r join tasks t on t.id = r.task_id where t.plan_id = ${planId} group by r.rung`;
    const [dispatched] = await sql<{ n: number }[]>`select count(*)::int as n from tasks where plan_id = ${planId} and version > 0`;
    for (const rung of ['remind', 'warn', 'supervise']) {
      const r = rungs.find((x) => x.rung === rung);
      if (!r || r.n !== dispatched!.n || r.distinct !== r.n) add(invariantNames[2]!, `plan ${planId} ${rung}: ${r?.n ?? 0} fired (${r?.distinct ?? 0} distinct) for ${dispatched!.n} tasks`);
    }
    const [orders] = await sql<{ n: number; distinct: number }[]>`select count(*)::int as n, count(distinct task_id)::int as distinct from supervision_orders where plan_id = ${planId}`;
    if (orders!.n !== dispatched!.n || orders!.distinct !== orders!.n) add(invariantNames[3]!, `plan ${planId}: ${orders!.n} orders (${orders!.distinct} tasks) for ${dispatched!.n} tasks`);
    // Each rung reached each unit's chair once.
    const [perChair] = await sql<{ n: number; distinct: number }[]>`
      select count(*)::int as n, count(distinct (n.task_id, n.kind, n.user_id))::int as distinct
      from notices n join tasks t on t.id = n.task_id join users u on u.id = n.user_id where t.plan_id = ${planId} and u.org_id = t.org_id`;
    if (perChair!.n !== dispatched!.n * 3 || perChair!.distinct !== perChair!.n) add(invariantNames[4]!, `plan ${planId}: ${perChair!.n} chair notices (${perChair!.distinct} distinct) for ${dispatched!.n * 3} rungs`);
  }

  // Order numbers: per year, 1..n for the district, none twice.
  const numbers = await sql<{ year: number; seq: number }[]>`
    select substring(number from '〔([0-9]+)〕')::int as year, substring(number from '〕([0-9]+)号')::int as seq
    from supervision_orders where district_id = ${districtId} order by 1, 2`;
  const byYear = new Map<number, number[]>();
  for (const n of numbers) byYear.set(n.year, [...(byYear.get(n.year) ?? []), n.seq]);
  for (const [year, seqs] of byYear) {
    const gaps = seqs.filter((s, i) => s !== i + 1);
    if (gaps.length > 0) add(invariantNames[3]!, `${year}: ${seqs.length} orders numbered ${seqs[0]}..${seqs.at(-1)}, ${gaps.length} out of place (gap or repeat)`);
  }

  // Notices: every outbox row of the district delivered, and the robot saw each id (repeats of an id are allowed).
  const deliveries = await sql<{ id: string; status: string }[]>`select id, status from notice_deliveries where district_id = ${districtId}`;
  const ids = new Set(deliveries.map((d) => d.id));
  const undelivered = deliveries.filter((d) => d.status !== 'delivered').length;
  const unseen = deliveries.filter((d) => !robotHits.has(d.id)).length;
  const unknown = [...robotHits.keys()].filter((id) => !ids.has(id)).length;
  if (undelivered || unseen || unknown) add(invariantNames[4]!, `${deliveries.length} deliveries: ${undelivered} not delivered, ${unseen} never seen by the robot, ${unknown} ids at the robot not in the outbox`);

  // The live index of the phase's plan against a recomputation from its tasks.
  {
    const [plan] = await sql<{ catalogueVersion: number; status: string }[]>`select catalogue_version as "catalogueVersion", status from plans where id = ${phase.planId}`;
    const catalogue = await publishedCatalogue(sql, plan!.catalogueVersion);
    const index = await sql<{ orgId: string; total: number | null; band: string | null; provisional: boolean; categories: unknown; failedGates: string[] }[]>`
      select org_id as "orgId", total::float8 as total, band, provisional, categories, failed_gates as "failedGates" from unit_index where plan_id = ${phase.planId}`;
    const tasks = await sql<{ orgId: string; code: string; state: string; points: number | null }[]>`
      select t.org_id as "orgId", t.indicator as code, t.state, t.points::float8 as points from tasks t join orgs o on o.id = t.org_id
      where t.plan_id = ${phase.planId} and o.level = 'grassroots'`;
    const tasksOf = new Map<string, (typeof tasks)[number][]>();
    for (const t of tasks) tasksOf.set(t.orgId, [...(tasksOf.get(t.orgId) ?? []), t]);
    if (index.length !== units.length) add(invariantNames[5]!, `plan ${phase.planId}: ${index.length} index rows for ${units.length} units`);
    let differ = 0;
    for (const row of index) {
      const again = unitStanding(catalogue, tasksOf.get(row.orgId) ?? [], { final: plan!.status === 'closing' || plan!.status === 'closed' });
      const same = isDeepStrictEqual(
        { total: row.total, band: row.band, categories: row.categories, failedGates: row.failedGates, provisional: row.provisional },
        { total: again.total, band: again.band, categories: again.categories, failedGates: again.failedGates, provisional: again.provisional },
      );
      if (!same) differ++;
    }
    if (differ > 0) add(invariantNames[5]!, `plan ${phase.planId}: ${differ} units' index differs from a recomputation`);
  }

  // The reconcile check on the phase's plan: every unit workflow's tasks against their rows.
  {
    // A difference is counted in the trial that made it; one still there later is named but not counted again.
    const report = await reconcileTasks({ sql, temporal }, { planId: phase.planId, repair: false, concurrency: 50 });
    const fresh = report.differences.filter((d) => !differencesSeen.has(`${d.taskId}:${d.field}`));
    for (const d of report.differences) differencesSeen.add(`${d.taskId}:${d.field}`);
    if (report.differences.length > fresh.length) say(`  still out of step from an earlier trial: ${report.differences.length - fresh.length} differences (not counted again)`);
    if (fresh.length || report.attention.length) {
      const first = fresh[0];
      add(invariantNames[6]!, `plan ${phase.planId}: ${fresh.length} new differences, ${report.attention.length} needing attention${first ? ` (e.g. task ${first.taskId} ${first.field}: workflow ${JSON.stringify(first.workflow)}, database ${JSON.stringify(first.database)})` : ''}`);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// The schedule: kill sets cycle through the four singles and the six pairs (in a shuffled order each round) until
// every kind has been killed CHAOS_TRIALS times; the phases take turns.
const combos: Kind[][] = [...kinds.map((k) => [k]), ...kinds.flatMap((a, i) => kinds.slice(i + 1).map((b) => [a, b]))];
const schedule: Kind[][] = [];
{
  const killed = new Map<Kind, number>(kinds.map((k) => [k, 0]));
  while ([...killed.values()].some((n) => n < trialsPerKind)) {
    const shuffled = (xs: Kind[][]) => xs.map((x) => [random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    const round = [...shuffled(combos.filter((c) => c.length === 1)), ...shuffled(combos.filter((c) => c.length === 2))];
    for (const combo of round) {
      if (![...killed.values()].some((n) => n < trialsPerKind)) break;
      if (combo.every((k) => killed.get(k)! >= trialsPerKind)) continue;
      schedule.push(combo);
      for (const k of combo) killed.set(k, killed.get(k)! + 1);
    }
  }
}
say(`${schedule.length} trials planned (${schedule.filter((c) => c.length === 1).length} single kills, ${schedule.filter((c) => c.length === 2).length} pairs)`);

const kills = new Map<Kind, number>(kinds.map((k) => [k, 0]));
const recoveries: number[] = [];
/** From the kill until what the phase started had all landed (every task dispatched, every rung and order in). */
const settles: number[] = [];
const phaseCounts = new Map<string, number>();
let trialsDone = 0;
let incomplete = false;
const trialLines: string[] = [];

/** An error with its chain of causes, for the trial's line. */
function causes(err: unknown) {
  const parts: string[] = [];
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) parts.push(e instanceof Error ? e.message : String(e));
  return parts.join(' ← ');
}

/** Kill -9 one process of the kind; resolves with the name and the pid that died. */
function killOne(kind: Kind) {
  const names = processNames[kind];
  const name = names[Math.floor(random() * names.length)]!;
  const pid = pids.get(name);
  if (!pid) throw new Error(`no pid known for ${name}`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    throw new Error(`could not kill ${name} (pid ${pid}): ${(err as Error).message}`);
  }
  return { name, pid };
}

async function restarted(name: string, pid: number, boundMs = 300_000) {
  const until = Date.now() + boundMs;
  while (pids.get(name) === pid) {
    if (cluster!.exitCode !== null) throw new Error(`the cluster stopped:\n${output.split('\n').slice(-30).join('\n')}`);
    if (Date.now() > until) throw new Error(`${name} was not restarted within ${boundMs / 1000} s`);
    await sleep(200);
  }
}

const makers = [dispatchPhase, burstPhase, ladderPhase];
for (const [i, combo] of schedule.entries()) {
  if (Date.now() > stopBy) {
    incomplete = true;
    say(`time bound of ${maxMinutes} min reached after ${trialsDone} of ${schedule.length} trials: stopping here`);
    break;
  }
  const trial = i + 1;
  const t = Date.now();
  const phase = await makers[i % makers.length]!(trial);
  if (phase.name === 'dispatch') dispatchPlans.push(phase.planId);
  if (phase.name === 'ladder') wavePlans.push(phase.planId);
  const before = bad.length;
  let answeredAt = 0;
  phase.calls.then(() => (answeredAt = Date.now()));
  // The kill: at a random moment inside the phase (both processes of a pair at the same moment).
  const delay = between(phase.killWindowMs[0], phase.killWindowMs[1]);
  await sleep(Math.max(0, phase.t0 + delay - Date.now()));
  const killAt = Date.now();
  const killed = combo.map((k) => ({ kind: k, ...killOne(k) }));
  for (const k of combo) kills.set(k, kills.get(k)! + 1);
  let recovery = 0;
  let problem: string | null = null;
  try {
    for (const k of killed) await restarted(k.name, k.pid);
    await ready();
    const readyAt = Date.now();
    await phase.calls;
    recovery = Math.max(readyAt, answeredAt) - killAt;
    recoveries.push(recovery);
    await phase.settled();
    settles.push(Date.now() - killAt);
    // The next kill of this phase lands within about its usual length (smoothed: a kill lengthens the phase it hits).
    if (phase.name !== 'ladder') estimate[phase.name] = Math.max(2000, 0.5 * estimate[phase.name] + 0.45 * (answeredAt - phase.t0));
    for (const [taskId, value] of phase.reports ?? []) acknowledged.set(taskId, value);
    // Quiet: the outbox has nothing left to send.
    const until = Date.now() + 120_000;
    while ((await q(() => sql<{ n: number }[]>`select count(*)::int as n from notice_deliveries where district_id = ${districtId} and status = 'pending'`))[0]!.n > 0 && Date.now() < until) await sleep(500);
    await sleep(500);
  } catch (err) {
    problem = (err as Error).message;
  }
  const checksAt = Date.now();
  const found = problem ? new Map<string, string[]>() : await checkInvariants(phase).catch((err) => new Map([['checks', [`the checks failed: ${causes(err)}`]]]));
  const callProblems = bad.slice(before);
  if (callProblems.length) found.set(invariantNames[7]!, callProblems);
  if (problem) found.set(invariantNames[7]!, [...(found.get(invariantNames[7]!) ?? []), problem]);
  let n = 0;
  for (const [name, list] of found) {
    if (list.length === 0) continue;
    n += list.length;
    violations.set(name, (violations.get(name) ?? 0) + list.length);
    for (const what of list.slice(0, 5)) say(`  VIOLATION ${name}: ${what}`);
  }
  trialsDone += 1;
  phaseCounts.set(phase.name, (phaseCounts.get(phase.name) ?? 0) + 1);
  const line = `trial ${String(trial).padStart(2)}/${schedule.length} ${phase.name.padEnd(8)} kill ${killed.map((k) => `${k.name} (pid ${k.pid})`).join(' + ')} at +${secs(killAt - phase.t0)} s; recovered in ${secs(recovery)} s; checks ${secs(Date.now() - checksAt)} s; trial ${secs(Date.now() - t)} s; ${n === 0 ? 'invariants hold' : `${n} VIOLATIONS`}`;
  trialLines.push(line);
  say(line);
  if (problem) {
    say(`stopping: ${problem}`);
    incomplete = true;
    break;
  }
}

// ---------------------------------------------------------------------------------------------------------------
const totalViolations = [...violations.values()].reduce((a, b) => a + b, 0);
const fiveHundreds = [...statuses].filter(([s]) => s.startsWith('5') && s !== '503').reduce((a, [, n]) => a + n, 0);
const sorted = [...recoveries].sort((a, b) => a - b);
const table = [
  `| Fault matrix (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, seed ${seed}${incomplete ? ', INCOMPLETE' : ''}) | |`,
  '|---|---|',
  `| trials | ${trialsDone} of ${schedule.length} (${[...phaseCounts].map(([p, n]) => `${n} ${p}`).join(', ')}; ${trialLines.filter((l) => l.includes(' + ')).length} with a pair killed) |`,
  `| kills by kind | ${kinds.map((k) => `${k} ${kills.get(k)}`).join(', ')} |`,
  ...invariantNames.map((n) => `| ${n} | ${violations.get(n)} violations |`),
  ...([...violations.keys()].filter((k) => !invariantNames.includes(k)).map((k) => `| ${k} | ${violations.get(k)} |`)),
  `| invariant violations in all | **${totalViolations}** |`,
  `| answers of 500 (or any 5xx but 503) | **${fiveHundreds}** |`,
  `| HTTP answers seen | ${[...statuses].sort().map(([s, n]) => `${s}: ${n}`).join(', ')} |`,
  `| time to recover (kill → /readyz 200 and the phase's calls answered) | longest **${secs(sorted.at(-1) ?? 0)} s**, median ${secs(sorted[Math.floor(sorted.length / 2)] ?? 0)} s |`,
  `| kill → everything the phase started has landed (tasks dispatched, rungs and orders in) | longest ${secs(Math.max(0, ...settles))} s |`,
  `| webhook robot | ${robotHits.size} notice ids, ${robotRequests} deliveries (${robotRequests - robotHits.size} repeats dropped by id) |`,
  `| wall time | ${secs(Date.now() - startedAt)} s (units ${units.length}, burst ${burstTasks} tasks, wave ${waveTownships} townships) |`,
];
process.stdout.write(`\n${table.join('\n')}\n\n`);
await sql.end({ timeout: 5 }).catch(() => {});
await temporal.connection.close().catch(() => {});
robot.close();
// 1: a violation or a 500; 3: clean as far as it went, but the matrix did not finish (time bound, or a stop).
await cleanUp(totalViolations > 0 || fiveHundreds > 0 ? 1 : incomplete ? 3 : 0);
