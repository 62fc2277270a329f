import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { bumpUpdate, timeSkippingProbe } from '../support/workflows/time-skipping-probe';

const DAY = 24 * 60 * 60 * 1000;
const workflowsPath = fileURLToPath(new URL('../support/workflows/time-skipping-probe.ts', import.meta.url));

describe('the Java time-skipping test server', () => {
  let env: TestWorkflowEnvironment;

  // The first run on a machine fetches the server with Maven.
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  }, 300_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('skips a 30-day sleep in real seconds and answers Updates', async () => {
    const taskQueue = `time-skipping-${process.pid}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(timeSkippingProbe, { taskQueue, workflowId: `probe-${Date.now()}` });
      expect(await handle.executeUpdate(bumpUpdate, { args: [1] })).toBe(1);
      expect(await handle.executeUpdate(bumpUpdate, { args: [2] })).toBe(3);
      const realStart = Date.now();
      const result = await handle.result();
      expect(Date.now() - realStart).toBeLessThan(10_000);
      expect(result.bumps).toBe(3);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(30 * DAY);
    });
  }, 120_000);

  it('moves the clock with env.sleep', async () => {
    const before = await env.currentTimeMs();
    const realStart = Date.now();
    await env.sleep('10 days');
    expect(Date.now() - realStart).toBeLessThan(10_000);
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(10 * DAY);
  });
});
