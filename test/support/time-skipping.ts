import { TestWorkflowEnvironment } from '@temporalio/testing';
// @ts-expect-error: plain .mjs helpers without type declarations
import { ensureTestServer } from '../../scripts/lib/testserver.mjs';

/**
 * A Temporal environment on Temporal's Java time-skipping test server, run from the tools cache (fetched with
 * Maven the first time on a machine, so allow a few minutes then) instead of the SDK's download from
 * temporal.download. The server listens on a free port and dies with `env.teardown()`.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path: string = await ensureTestServer({ log: (line: string) => console.log(line) });
  // The SDK gives the JVM 5 s to open its port; on two cores busy with the suite's other files it sometimes needs
  // longer, so a start that timed out is tried again (a new port, a new process).
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
    } catch (err) {
      if (attempt >= 4 || !/did not start within/.test(String(err))) throw err;
    }
  }
}
