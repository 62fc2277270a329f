import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs helpers without type declarations
import { freePort, portOpen } from '../../scripts/lib/services.mjs';
// @ts-expect-error: plain .mjs helpers without type declarations
import { freeLowPort } from '../../scripts/lib/cluster.mjs';

// The cluster profile needs the Temporal server, temporal-sql-tool and the Web UI built with Go: this file runs
// under `npm run test:cluster`, which builds them; the embedded suite (`npm test`) needs none of them.
const clusterRun = process.env.JIANJIA_TEST_PROFILE === 'cluster';

const root = path.resolve(__dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jianjia-cluster-'));
chmodSync(dataDir, 0o755);
const running: ChildProcess[] = [];
afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, running.length ? 5000 : 0));
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm run start:cluster`'s script, with the test run's own servers hidden so it brings up its own. */
function startCluster(vars: Record<string, string | number>): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'JWT_SECRET', 'NODE_ENV', 'TEMPORAL_UI_URL']) delete env[k];
  for (const [k, v] of Object.entries(vars)) env[k] = String(v);
  const child = spawn(process.execPath, ['scripts/start.mjs', '--profile', 'cluster'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function up(started: Started) {
  const deadline = Date.now() + 240_000;
  while (!started.output().includes('Ctrl-C stops everything')) {
    if (started.child.exitCode !== null) throw new Error(`start:cluster exited ${started.child.exitCode}:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`start:cluster did not come up:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const json = async (res: Promise<Response> | Response): Promise<any> => (await res).json();

describe.runIf(clusterRun)('npm run start:cluster', () => {
  it('runs a real Temporal server on PostgreSQL with two workers and two APIs behind one address, heals every process, keeps its shard count', { timeout: 900_000 }, async () => {
    // The API processes listen on PORT+1 and PORT+2: no other port of the profile may land there.
    let port = await freePort();
    while ((await portOpen(port + 1)) || (await portOpen(port + 2))) port = await freePort();
    const others = async (pick: () => Promise<number>) => {
      let p = await pick();
      while (p >= port && p <= port + 2) p = await pick();
      return p;
    };
    const vars = { PORT: port, TEMPORAL_PORT: await others(freeLowPort), TEMPORAL_UI_PORT: await others(freePort), PG_PORT: await others(freePort), TEMPORAL_HISTORY_SHARDS: 2 };
    const api = `http://127.0.0.1:${vars.PORT}`;
    const ui = `http://127.0.0.1:${vars.TEMPORAL_UI_PORT}`;
    const first = startCluster(vars);
    await up(first);
    expect(first.output()).toContain('2 history shards');
    expect(first.output()).toContain(`2 workers, 2 API processes (ports ${vars.PORT + 1}, ${vars.PORT + 2}) behind ${vars.PORT}`);
    expect(first.output()).toContain(`Temporal UI  ${ui}`);
    expect(await (await fetch(`${ui}/`)).text()).toContain('<html');

    // A township dispatches through the balancer; the Web UI lists its units' workflows by township code.
    const login = async (who: string) => (await json(fetch(`${api}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: who, password: 'jianjia-demo' }) }))).token as string;
    const headers = (token: string, key?: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) });
    const district = await login('district');
    const year = new Date().getUTCFullYear() + 5;
    const plan = await json(fetch(`${api}/api/v1/plans`, { method: 'POST', headers: headers(district), body: JSON.stringify({ year, name: '集群测试计划', deadline: `${year}-11-30T00:00:00Z`, indicators: ['GF-03'] }) }));
    expect((await json(fetch(`${api}/api/v1/plans/${plan.id}/issue`, { method: 'POST', headers: headers(district) }))).status).toBe('issued');
    const dispatch = async (township: string) => {
      const res = await fetch(`${api}/api/v1/plans/${plan.id}/dispatch`, { method: 'POST', headers: headers(await login(township), `dispatch-${township}`), body: '{}' });
      expect(res.status).toBe(200);
      return ((await res.json()) as { dispatchedUnits: number }).dispatchedUnits;
    };
    const listed = async (townshipCode: string) => {
      const query = `JianjiaPlanId = '${plan.id}' AND JianjiaTownshipCode = '${townshipCode}'`;
      const body = await json(fetch(`${ui}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(query)}`));
      return (body.executions ?? []) as { execution: { workflowId: string } }[];
    };
    const waitListed = async (townshipCode: string, n: number) => {
      const deadline = Date.now() + 60_000;
      while ((await listed(townshipCode)).length !== n) {
        if (Date.now() > deadline) throw new Error(`the Web UI did not list ${n} workflows of ${townshipCode}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const units01 = await dispatch('township-01');
    expect(units01).toBeGreaterThan(0);
    await waitListed('FY-T01', units01);

    // Every process of the profile, killed once, is started again; with one API down the address still answers.
    const ready = async () => {
      const deadline = Date.now() + 120_000;
      while ((await fetch(`${api}/readyz`).then((r) => r.status, () => 0)) !== 200) {
        if (Date.now() > deadline) throw new Error(`not ready again:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    // The pid a process was last started with (a process may have been restarted already, e.g. after a slow start).
    const lastPid = (name: string) => Number([...first.output().matchAll(new RegExp(`${name} started \\(pid (\\d+)\\)`, 'g'))].at(-1)![1]);
    for (const name of ['API 1', 'worker 1', 'Temporal server', 'Temporal Web UI', 'PostgreSQL']) {
      const pid = lastPid(name);
      process.kill(pid, 'SIGKILL');
      if (name === 'API 1') {
        const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${api}/readyz`).then((r) => r.status)));
        expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
      }
      const deadline = Date.now() + 90_000;
      while (lastPid(name) === pid) {
        if (Date.now() > deadline) throw new Error(`${name} was not restarted:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(first.output()).toMatch(new RegExp(`${name} stopped unexpectedly \\((SIGKILL|not running)\\); restarting in 1 s`));
      await ready();
    }
    // PostgreSQL and the Temporal server killed at the same moment: the server's restart fails while PostgreSQL is
    // still coming back; it is tried again with the back-off instead of stopping everything.
    const pair = ['PostgreSQL', 'Temporal server'].map((name) => ({ name, pid: lastPid(name) }));
    for (const p of pair) process.kill(p.pid, 'SIGKILL');
    for (const p of pair) {
      const deadline = Date.now() + 180_000;
      while (lastPid(p.name) === p.pid) {
        if (first.child.exitCode !== null || Date.now() > deadline) throw new Error(`${p.name} was not restarted after the pair was killed:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await ready();
    expect(first.child.exitCode).toBeNull();
    expect(first.output()).not.toContain('shutting down');

    // After all that the cycle still runs: another township dispatches, the UI lists it, the first is intact.
    const units02 = await dispatch('township-02');
    await waitListed('FY-T02', units02);
    expect(await listed('FY-T01')).toHaveLength(units01);
    expect(first.child.exitCode).toBeNull();
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    for (const port of [vars.PORT, vars.PORT + 1, vars.PORT + 2, vars.TEMPORAL_PORT, vars.TEMPORAL_UI_PORT, vars.PG_PORT]) expect(await portOpen(port), `port ${port} still open`).toBe(false);

    // A restart limit that is not a count is refused in one line, before anything starts.
    const badLimit = startCluster({ ...vars, RESTART_LIMIT: 'many' });
    expect(await badLimit.exited).toBe(1);
    expect(badLimit.output()).toContain('RESTART_LIMIT must be a whole number of at least 1, not "many"');
    expect(badLimit.output()).not.toContain('started (pid');

    // The shard count is fixed at creation: another is refused in one line, before anything starts.
    const refused = startCluster({ ...vars, TEMPORAL_HISTORY_SHARDS: 8 });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('created with 2 history shards');
    expect(refused.output()).not.toContain('started (pid');

    // Without the variable the next start uses the stored count, updates nothing twice, and finds the workflows.
    const { TEMPORAL_HISTORY_SHARDS: _, ...rest } = vars;
    const second = startCluster(rest);
    await up(second);
    expect(second.output()).toContain('2 history shards');
    expect(second.output()).not.toContain('created database');
    expect(await listed('FY-T02')).toHaveLength(units02);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
