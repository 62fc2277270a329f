// Benchmark: first the raw baseline, BENCH_UNITS no-op workflows started on the same Temporal server with one
// worker (time until every start is acknowledged, and until all complete); then the cycle: issue a plan to a
// district of BENCH_UNITS grassroots units (default 5,000) in 24 townships, dispatch every township at once, and
// time until all tasks are in the inbox. Prints both and their ratio, with worker and API peak RSS.
// Run with `npm run bench:dispatch`, which provisions throw-away servers first.
import { serve } from '@hono/node-server';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app';
import { connect } from '../db/client';
import { migrate } from '../db/migrate';
import { ensureDefaultCatalogue } from '../db/queries/catalogue';
import { parseEnv } from '../lib/env';
import { createLogger } from '../lib/log';
import { hashPassword } from '../lib/password';
import { temporalClient } from '../lib/temporal';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

const units = Number(process.env.BENCH_UNITS ?? 5000);
const townshipCount = 24;
const adminUrl = process.env.TEST_DATABASE_URL!;
const database = `bench_${randomBytes(4).toString('hex')}`;
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

// ---- The baseline: what the server costs per workflow start, with one worker running no-op workflows.
async function baseline(n: number) {
  const env = parseEnv({ ...process.env, DATABASE_URL: adminUrl, JWT_SECRET: 'x'.repeat(32) });
  const client = temporalClient(env);
  const taskQueue = `bench-noop-${randomBytes(4).toString('hex')}`;
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue, workflowsPath: fileURLToPath(new URL('./workflows/noop.ts', import.meta.url)) });
  const running = worker.run();
  const t0 = Date.now();
  const handles: { result(): Promise<unknown> }[] = [];
  let next = 0;
  // As many starts in flight as the API keeps for a dispatch (24 townships × 25 units).
  await Promise.all(
    Array.from({ length: 600 }, async () => {
      for (let i = next++; i < n; i = next++) handles.push(await client.workflow.start('noop', { taskQueue, workflowId: `${taskQueue}-${i}` }));
    }),
  );
  const acknowledged = Date.now() - t0;
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
  return { acknowledged, completed };
}
const raw = await baseline(units);
console.log(`baseline: ${units} no-op workflow starts acknowledged after ${seconds(raw.acknowledged)} s, all completed after ${seconds(raw.completed)} s`);

const admin = connect(adminUrl, 1);
await admin.unsafe(`create database ${database}`);
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const sql = connect(url.toString(), 20);
await migrate(sql);
await ensureDefaultCatalogue(sql);

// A district of `units` units spread over 24 townships, of every type and size.
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

const env = parseEnv({ ...process.env, DATABASE_URL: url.toString(), TEMPORAL_TASK_QUEUE: `bench-${database}`, JWT_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn' });
const worker = spawn(process.execPath, ['--import', 'tsx', 'bin/worker.ts'], {
  env: { ...process.env, DATABASE_URL: env.DATABASE_URL, TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE, JWT_SECRET: env.JWT_SECRET, LOG_LEVEL: 'warn', DATABASE_POOL_MAX: '20' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
// Never leave the worker behind, whatever happens below.
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
const count = async (state: string) => (await sql<{ n: number }[]>`select count(*)::int as n from tasks where state = ${state}`)[0]!.n;

const plan = await call('POST', '/plans', token, { year: 2030, name: '基准计划', deadline: '2030-11-30T00:00:00Z', escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } });
// Wait for the worker's first poll so bundling time is not counted.
for (;;) {
  const pollers = await temporal.workflowService.describeTaskQueue({ namespace: env.TEMPORAL_NAMESPACE, taskQueue: { name: env.TEMPORAL_TASK_QUEUE }, taskQueueType: 1 });
  if (pollers.pollers.length > 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
const t0 = Date.now();
await call('POST', `/plans/${plan.id}/issue`, token);
while ((await call('GET', `/plans/${plan.id}`, token)).status !== 'issued') await new Promise((r) => setTimeout(r, 200));
const tIssued = Date.now();
const total = units * 23;
const dispatches = Promise.all(townships.map((t) => call('POST', `/plans/${plan.id}/dispatch`, token, { townshipId: t.id })));
let lastLog = 0;
// The API's own peak, sampled during the dispatch (the process's high-water mark includes the baseline's worker).
let apiPeak = 0;
const sampler = setInterval(() => (apiPeak = Math.max(apiPeak, process.memoryUsage().rss)), 200);
while ((await count('dispatched')) < total) {
  if (Date.now() - lastLog > 10_000) {
    lastLog = Date.now();
    process.stdout.write(`  ... ${await count('dispatched')} of ${total} tasks in inboxes after ${seconds(Date.now() - tIssued)} s\n`);
  }
  await new Promise((r) => setTimeout(r, 250));
}
const tInbox = Date.now();
await dispatches;
const tAnswered = Date.now();
clearInterval(sampler);
const [{ bytes }] = (await sql`select pg_database_size(current_database())::bigint as bytes`) as unknown as [{ bytes: number }];

console.log(`units ${units}, townships ${townshipCount}, tasks ${total}`);
console.log(`issue (下达, ${total} task rows): ${seconds(tIssued - t0)} s`);
console.log(`dispatch (分办, ${units} unit workflows started): every task in the inbox after ${seconds(tInbox - tIssued)} s (${Math.round(total / ((tInbox - tIssued) / 1000))} tasks/s, ${Math.round(units / ((tInbox - tIssued) / 1000))} workflows/s)`);
console.log(`all 24 dispatch calls answered after ${seconds(tAnswered - tIssued)} s; issue to full inbox ${seconds(tInbox - t0)} s`);
console.log(`ratio (issue + dispatch to full inbox) ÷ (baseline starts acknowledged): ${((tInbox - t0) / raw.acknowledged).toFixed(2)}`);
console.log(`worker peak RSS ${peakRssMb(worker.pid!).toFixed(0)} MiB; API process peak RSS during dispatch ${(apiPeak / 1024 / 1024).toFixed(0)} MiB; database ${(bytes / 1024 / 1024).toFixed(0)} MiB`);

worker.kill('SIGTERM');
await new Promise((r) => worker.once('exit', r));
server.close();
await temporal.connection.close();
await sql.end();
await admin.unsafe(`drop database ${database} with (force)`);
await admin.end();
process.exit(0);
