import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs helpers without type declarations
import { freePort, portOpen } from '../../scripts/lib/services.mjs';

const root = path.resolve(__dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jianjia-start-'));
chmodSync(dataDir, 0o755); // as a clone's .data folder would be
const running: ChildProcess[] = [];
afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 3000));
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** `npm start`'s script, with the test run's own servers hidden so it brings up its embedded ones. */
async function npmStart(ports: Record<string, number>): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'JWT_SECRET', 'NODE_ENV']) delete env[k];
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 150_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => output };
}

/** The JSON body of a response; tests read it loosely. */
const json = async (res: Promise<Response> | Response): Promise<any> => (await res).json();

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  return exited;
}

describe('npm start', () => {
  it('brings up the API, its docs and the Temporal UI; Ctrl-C stops it all; the next start finds the data', { timeout: 400_000 }, async () => {
    const ports = { PORT: await freePort(), TEMPORAL_PORT: await freePort(), TEMPORAL_UI_PORT: await freePort(), PG_PORT: await freePort() };
    const api = `http://127.0.0.1:${ports.PORT}`;
    const first = await npmStart(ports);
    expect(first.output()).toContain(`${api}/docs`);
    expect(first.output()).toContain(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
    // The app's address is the first thing printed once it is up, and the app is there.
    const ready = first.output().slice(first.output().indexOf('[jianjia] \n'));
    expect(ready.split('\n').find((l) => l.includes('http'))).toContain(`App          ${api}/`);
    const app = await fetch(`${api}/plans`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<div id="app">');

    expect((await fetch(`${api}/readyz`)).status).toBe(200);
    const doc = await json(fetch(`${api}/openapi.json`));
    expect(doc.openapi).toMatch(/^3\./);
    expect((await fetch(`${api}/docs`)).status).toBe(200);
    const ui = await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<html');

    const login = await json(fetch(`${api}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'district', password: 'jianjia-demo' }) }));
    const auth = { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' };
    const townships = await json(fetch(`${api}/api/v1/orgs?level=township&limit=1`, { headers: auth }));
    const created = await fetch(`${api}/api/v1/orgs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ code: 'KEEP-ME-01', name: '重启后仍在的工会', level: 'grassroots', parentId: townships.items[0].id, unitType: 'enterprise', members: 33 }),
    });
    expect(created.status).toBe(201);
    // A workflow no worker serves stays open: it must survive Temporal's restart.
    const temporal = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` }) });
    await temporal.workflow.start('persistenceProbe', { taskQueue: 'nobody-polls-this', workflowId: 'persistence-probe' });
    await temporal.connection.close();

    // A one-machine district heals itself: the API, the worker, Temporal and PostgreSQL, each killed once, are started again.
    const waitReady = async () => {
      const healed = Date.now() + 90_000;
      while ((await fetch(`${api}/readyz`).then((r) => r.status, () => 0)) !== 200) {
        if (Date.now() > healed) throw new Error(`not ready again:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    for (const name of ['API', 'worker', 'Temporal', 'PostgreSQL']) {
      const pid = Number(new RegExp(`${name} started \\(pid (\\d+)\\)`).exec(first.output())![1]);
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 60_000;
      while (!new RegExp(`${name} started \\(pid (?!${pid}\\))\\d+\\)`).test(first.output())) {
        if (Date.now() > deadline) throw new Error(`${name} was not restarted:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(first.output()).toMatch(new RegExp(`${name} stopped unexpectedly \\((SIGKILL|not running)\\); restarting in 1 s`));
      await waitReady();
    }
    expect((await fetch(`${api}/api/v1/me`, { headers: auth })).status).toBe(200);
    expect(first.child.exitCode).toBeNull();

    expect(await stop(first)).toBe(0);
    for (const port of Object.values(ports)) expect(await portOpen(port), `port ${port} still open`).toBe(false);

    const second = await npmStart(ports);
    const me = await fetch(`${api}/api/v1/me`, { headers: auth });
    expect(me.status).toBe(200); // the token signed before the restart still verifies
    const kept = await json(fetch(`${api}/api/v1/orgs?q=KEEP-ME`, { headers: auth }));
    expect(kept.items.map((o: { code: string }) => o.code)).toEqual(['KEEP-ME-01']);
    const all = await json(fetch(`${api}/api/v1/orgs?level=township&limit=100`, { headers: auth }));
    expect(all.items).toHaveLength(24); // demo data was not loaded twice
    const again = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` }) });
    const probe = await again.workflow.getHandle('persistence-probe').describe();
    expect(probe.status.name).toBe('RUNNING');
    await again.connection.close();
    expect(second.output()).not.toMatch(/demo data loaded/);

    expect(await stop(second)).toBe(0);
  });
});
