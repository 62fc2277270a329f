// The dispatch's pacing reads a real backlog: workflows started on a queue no worker polls hold the gate (until its
// longest wait runs out), and once a worker takes their first tasks the gate lets starts through at once.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backlogGate, readWorkflowBacklog, type Backlog } from '../../lib/backlog-gate';
import { timeSkippingProbe } from '../support/workflows/time-skipping-probe';
import { waitUntil } from '../support/wait';

const workflowsPath = fileURLToPath(new URL('../support/workflows/time-skipping-probe.ts', import.meta.url));
const taskQueue = `backlog-${randomBytes(4).toString('hex')}`;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' });
});
afterAll(async () => {
  await connection?.close();
});

describe('the dispatch backlog gate against the Temporal server', () => {
  it('holds starts while first tasks wait unpolled, and opens when a worker takes them', async () => {
    const read = readWorkflowBacklog(client, taskQueue);
    for (let i = 0; i < 12; i++) {
      await client.workflow.start(timeSkippingProbe, { taskQueue, workflowId: `${taskQueue}-${i}`, args: ['1 second'] });
    }
    // The server's count of waiting workflow tasks is refreshed about once a second.
    let backlog: Backlog = { count: 0, ageMs: 0 };
    await waitUntil('the server to count the 12 waiting first tasks', async () => {
      backlog = await read();
      return backlog.count === 12 && backlog.ageMs > 500;
    }, 20_000);

    const gate = backlogGate(read, { maxAgeMs: 500, pollMs: 200, maxWaitMs: 2000 });
    const seen: Backlog[] = [];
    const held = await gate.wait((b) => seen.push(b));
    expect(held.gaveUp).toBe(true);
    expect(held.waitedMs).toBeGreaterThanOrEqual(2000);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((b) => b.count === 12 && b.ageMs > 500)).toBe(true);

    const native = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    const worker = await Worker.create({ connection: native, namespace: client.options.namespace, taskQueue, workflowsPath });
    await worker.runUntil(async () => {
      await waitUntil('the worker to take every first task', async () => (await read()).count === 0, 30_000);
      const open = await backlogGate(read, { maxAgeMs: 500, pollMs: 200, maxWaitMs: 2000 }).wait();
      expect(open).toEqual({ waitedMs: expect.any(Number), gaveUp: false });
      expect(open.waitedMs).toBeLessThan(2000);
      await Promise.all(Array.from({ length: 12 }, (_, i) => client.workflow.getHandle(`${taskQueue}-${i}`).result()));
    });
    await native.close();
  }, 120_000);
});
