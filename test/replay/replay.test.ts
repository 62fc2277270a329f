// Upgrade safety: every recorded history (test/replay/histories, a whole demo plan year recorded by
// `npm run record-histories`) replays against the workflow code as it is now. A change that would make
// a running workflow issue different commands fails here with a non-determinism error: put it behind
// `patched()` (see docs/architecture.md, "Changing a workflow safely").
import { Worker } from '@temporalio/worker';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { historyFromFixture } from './history-file';

const dir = path.resolve(__dirname, 'histories');
/** Every recorded set: histories/*.json (recorded before issue 10) and histories/<set>/*.json (later code). */
const fixtures = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort();

describe('recorded workflow histories replay against the current workflow code', () => {
  it('has fixtures for the plan workflow and the unit workflows', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['plan-cycle.json', 'unit-tasks-worked.json', 'unit-tasks-neglected.json', 'unit-tasks-township-duty.json']));
    expect(fixtures).toEqual(expect.arrayContaining(['issue-10/plan-cycle.json', 'issue-10/unit-tasks-worked.json', 'projection-after-accept/unit-tasks-worked.json']));
    // The plan's shared ladder (a year's last run: its rungs fired, then the close that ends it).
    expect(fixtures).toEqual(expect.arrayContaining(['shared-ladder/shared-ladder.json', 'shared-ladder/unit-tasks-neglected.json']));
  });

  it('replays every fixture without a non-determinism error', { timeout: 120_000 }, async () => {
    const histories = fixtures.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromFixture(readFileSync(path.join(dir, file), 'utf8')),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundle') } }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(fixtures.length);
  });
});
