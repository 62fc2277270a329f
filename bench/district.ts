// A throw-away district for the benchmarks: its own database on the scratch PostgreSQL, BENCH_UNITS grassroots
// units of every type and size in 24 townships, a worker process (bin/worker.ts) and the API in this process.
import { serve } from '@hono/node-server';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app';
import { connect, type Sql } from '../db/client';
import { migrate } from '../db/migrate';
import { ensureDefaultCatalogue } from '../db/queries/catalogue';
import { parseEnv } from '../lib/env';
import { createLogger } from '../lib/log';
import { hashPassword } from '../lib/password';
import { temporalClient } from '../lib/temporal';
import { bundleOptions } from '../lib/worker';
// @ts-expect-error: plain .mjs helpers without type declarations
import { workerNodeFlags } from '../scripts/lib/services.mjs';

export const seconds = (ms: number) => (ms / 1000).toFixed(1);
export const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
/** A process's resident memory now, in MiB. */
export const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const ticks = 100; // USER_HZ: /proc reports CPU time in clock ticks of 1/100 s on Linux
/** CPU seconds a process has used so far (user + system), from /proc. */
export const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
};
/** CPU seconds the whole machine has been busy so far (all cores, everything but idle and I/O wait). */
export const machineBusySeconds = () => {
  const [, ...cols] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = cols.map(Number);
  return (n.reduce((a, b) => a + b, 0) - n[3]! - n[4]!) / ticks;
};

/**
 * CPU seconds used so far by every live process whose command is `name` (e.g. `postgres`, `temporal`), summed: the
 * servers the benchmark runs against. A process that has exited no longer counts, so take it around a phase in which
 * the servers' processes live throughout (postgres.js pools keep their connections).
 */
export const cpuOfCommand = (name: string) => {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== name) continue;
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      // gone between the listing and the read
    }
  }
  return total;
};

/**
 * Wait until a process has been nearly idle for two seconds (under 0.2 s of CPU), at most `maxMs`; returns how long
 * it took. The verbs of a real district come after the dispatch's own work is done (the worker runs its unit
 * workflows' first tasks for a while after the last inbox fills), so the verb benchmarks wait for the worker first.
 */
export async function settled(pid: number, maxMs = 300_000): Promise<number> {
  const t0 = performance.now();
  for (let last = cpuSeconds(pid); performance.now() - t0 < maxMs; ) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = cpuSeconds(pid);
    if (now - last < 0.2) break;
    last = now;
  }
  return performance.now() - t0;
}

export async function benchDistrict(units: number, townshipCount = 24) {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const database = `bench_${randomBytes(4).toString('hex')}`;
  const admin = connect(adminUrl, 1);
  await admin.unsafe(`create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const sql = connect(url.toString(), 20);
  await migrate(sql);
  await ensureDefaultCatalogue(sql);

  const [district] = await sql<{ id: string }[]>`
    insert into orgs (id, code, name, level, district_id)
    select id, 'BD', '基准测试区总工会', 'district', id from (select gen_random_uuid() as id) f returning id`;
  const townships = await sql<{ id: string; code: string }[]>`
    insert into orgs ${sql(Array.from({ length: townshipCount }, (_, i) => ({ code: `BD-T${String(i + 1).padStart(2, '0')}`, name: `第${i + 1}镇总工会`, level: 'township', parent_id: district!.id, district_id: district!.id })))}
    returning id, code`;
  await sql`update orgs set township_id = id where level = 'township'`;
  const types = ['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment'];
  const rows = Array.from({ length: units }, (_, i) => {
    const t = townships[i % townshipCount]!;
    const members = [12, 60, 300, 1500][i % 4]!;
    return { code: `${t.code}-U${String(i + 1).padStart(5, '0')}`, name: `基准单位${i + 1}工会`, level: 'grassroots', parent_id: t.id, district_id: district!.id, township_id: t.id, unit_type: types[i % types.length], members, female_members: Math.floor(members / 3) };
  });
  for (let i = 0; i < rows.length; i += 2000) await sql`insert into orgs ${sql(rows.slice(i, i + 2000))}`;
  await sql`insert into users (login, display_name, role, org_id, password_hash) values ('bench-admin', '基准管理员', 'district_admin', ${district!.id}, ${await hashPassword('bench-password')})`;

  // The workflow code bundled here, as npm start does, so the worker's memory peak leaves out the bundler.
  const bundlePath = path.join(tmpdir(), `${database}-workflows.js`);
  writeFileSync(bundlePath, (await bundleWorkflowCode({ ...bundleOptions, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never })).code);
  const env = parseEnv({ ...process.env, DATABASE_URL: url.toString(), TEMPORAL_TASK_QUEUE: `bench-${database}`, JWT_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn' });
  // BENCH_WORKER_NODE_FLAGS: extra node flags for the worker (e.g. --cpu-prof to see where its time goes).
  const flags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const worker = spawn(process.execPath, [...workerNodeFlags(), ...flags, '--import', 'tsx', 'bin/worker.ts'], {
    env: { ...process.env, DATABASE_URL: env.DATABASE_URL, TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE, JWT_SECRET: env.JWT_SECRET, LOG_LEVEL: 'warn', DATABASE_POOL_MAX: '20', WORKFLOW_BUNDLE: bundlePath },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Never leave the worker behind, whatever happens.
  process.on('exit', () => worker.kill('SIGKILL'));
  const temporal = temporalClient(env);
  const app = createApp({ env, sql, temporal, log: createLogger('warn', 'bench-api') });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  async function call(method: string, path: string, token: string | null, body?: unknown) {
    const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as any;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  const token = (await call('POST', '/auth/login', null, { login: 'bench-admin', password: 'bench-password' })).token as string;
  /** Wait for the worker's first poll so bundling time is not counted. */
  async function workerReady() {
    for (;;) {
      const pollers = await temporal.workflowService.describeTaskQueue({ namespace: env.TEMPORAL_NAMESPACE, taskQueue: { name: env.TEMPORAL_TASK_QUEUE }, taskQueueType: 1 });
      if (pollers.pollers.length > 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async function teardown() {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    server.close();
    await temporal.connection.close();
    await sql.end();
    await admin.unsafe(`drop database ${database} with (force)`);
    await admin.end();
    rmSync(bundlePath, { force: true });
  }
  return { sql, env, base, call, token, townships, districtId: district!.id, worker, temporal, workerReady, teardown };
}

/**
 * People for the district's first `limit` units: a chair per unit and an officer per township, with a password hash
 * nobody can log in with (the benches sign tokens directly; logins are not what they measure).
 */
export async function benchPeople(sql: Sql, townships: { id: string }[], limit = Number.MAX_SAFE_INTEGER) {
  const hash = '$bench$not-a-login';
  const unitRows = await sql<{ id: string; townshipId: string }[]>`select id, township_id as "townshipId" from orgs where level = 'grassroots' order by code limit ${limit}`;
  for (let i = 0; i < unitRows.length; i += 2000) {
    await sql`insert into users ${sql(unitRows.slice(i, i + 2000).map((u, j) => ({ login: `bench-chair-${i + j}`, display_name: `主席${i + j}`, role: 'grassroots_chair', org_id: u.id, password_hash: hash })))}`;
  }
  await sql`insert into users ${sql(townships.map((t, i) => ({ login: `bench-officer-${i}`, display_name: `镇干部${i}`, role: 'township_officer', org_id: t.id, password_hash: hash })))}`;
  return unitRows;
}

/**
 * With BENCH_PG_STATEMENTS=1 (the scratch PostgreSQL then loads pg_stat_statements): `reset()` at the start of a
 * phase, `print()` at its end lists the statements of this database that took the most execution time in it.
 * Without it both do nothing.
 */
export async function pgStatements(sql: Sql) {
  const on = Boolean(process.env.BENCH_PG_STATEMENTS);
  if (on) await sql`create extension if not exists pg_stat_statements`;
  const mine = sql`(select oid from pg_database where datname = current_database())`;
  return {
    async reset() {
      if (on) await sql`select pg_stat_statements_reset()`;
    },
    async print(label: string, per: number, top = 12) {
      if (!on) return;
      const rows = await sql<{ calls: number; ms: number; toplevel: boolean; query: string }[]>`
        select calls::int, total_exec_time::float8 as ms, toplevel, regexp_replace(query, '[[:space:]]+', ' ', 'g') as query
        from pg_stat_statements where dbid = ${mine} order by total_exec_time desc`;
      // Statements run inside others (a function's body, a foreign key's check) are listed too, marked ·, but counted
      // once: in the statement that ran them.
      const total = rows.filter((r) => r.toplevel).reduce((a, r) => a + r.ms, 0);
      console.log(`  database, ${label}: ${(total / 1000).toFixed(1)} s of statement time (${(total / per).toFixed(2)} ms each of ${per}); the costliest:`);
      for (const r of rows.slice(0, top)) {
        console.log(`    ${(r.ms / 1000).toFixed(1).padStart(6)} s ${String(r.calls).padStart(7)} calls ${(r.ms / r.calls).toFixed(3).padStart(7)} ms ${r.toplevel ? ' ' : '·'} ${r.query.slice(0, 150)}`);
      }
    },
  };
}
