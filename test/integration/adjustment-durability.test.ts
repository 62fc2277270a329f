// Durable means durable for policy adjustments too: the worker (its own process) is killed while an adjustment is
// being applied to every unit of a 1,000-unit district. After a restart the adjustment completes, each task is
// changed exactly once, and the audit log holds one entry per task.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { spawnWorker } from '../support/stack';
import { waitUntil } from '../support/wait';

let s: DemoStack;
let worker: ChildProcess;
const UNITS = 1000;
const count = async (query: Promise<{ n: number }[]>) => (await query)[0]!.n;
function kill(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  return exited;
}

beforeAll(async () => {
  s = await startDemoStack();
  // The demo district grown to 1,000 units: extra small enterprise unions spread over its 24 townships.
  const demo = await count(s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where level = 'grassroots'`);
  await s.db.sql`
    insert into orgs (code, name, level, parent_id, district_id, township_id, unit_type, members, female_members)
    select t.code || '-X' || lpad(g::text, 4, '0'), t.name || '扩充企业工会' || g, 'grassroots', t.id, t.district_id, t.id, 'enterprise', 40, 10
    from generate_series(1, ${UNITS - demo}) g
    join lateral (select id, code, name, district_id from orgs where level = 'township' order by code offset ((g - 1) % 24) limit 1) t on true`;
  worker = spawnWorker(s);
}, 120_000);
afterAll(async () => {
  if (worker.exitCode === null) await kill(worker);
  await s?.stop();
});

describe('killing the worker while an adjustment applies', () => {
  it('completes after a restart, changing every task of 1,000 units exactly once with one audit entry each', { timeout: 600_000 }, async () => {
    const district = await s.token('district');
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    const plan = await s.call('POST', '/api/v1/plans', { token: district, body: { year, name: '调整耐久性测试', deadline: `${year}-12-20T10:00:00Z`, indicators: ['HS-02'] } });
    expect(plan.status).toBe(201);
    expect((await s.call('POST', `/api/v1/plans/${plan.body.id}/issue`, { token: district })).status).toBe(200);
    const townships = await s.db.sql<{ id: string }[]>`select id from orgs where level = 'township' order by code`;
    const answers = await Promise.all(townships.map((t) => s.call('POST', `/api/v1/plans/${plan.body.id}/dispatch`, { token: district, body: { townshipId: t.id } })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const tasks = await count(s.db.sql<{ n: number }[]>`select count(*)::int as n from tasks t join orgs o on o.id = t.org_id where t.plan_id = ${plan.body.id} and o.level = 'grassroots' and t.version = 1`);
    expect(tasks).toBe(UNITS);

    const created = await s.call('POST', `/api/v1/plans/${plan.body.id}/adjustments`, {
      token: district,
      body: { kind: 'target', class: { unitTypes: ['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment'] }, indicators: ['HS-02'], target: 2, reason: '全区统一下调政治引领活动场次' },
    });
    expect(created.status).toBe(202);
    const adjustmentId = created.body.id;
    const done = () => count(s.db.sql<{ n: number }[]>`select count(*)::int as n from adjustment_tasks where adjustment_id = ${adjustmentId} and status = 'done'`);
    await waitUntil('the adjustment under way', async () => (await done()) >= 50, 120_000);
    await kill(worker);
    const atKill = await done();
    // The crash hit work in flight.
    expect(atKill).toBeGreaterThanOrEqual(50);
    expect(atKill).toBeLessThan(UNITS);
    worker = spawnWorker(s);
    const restarted = Date.now();

    await waitUntil('the adjustment applied', async () => (await s.call('GET', `/api/v1/adjustments/${adjustmentId}`, { token: district })).body.state === 'applied', 400_000);
    const progress = (await s.call('GET', `/api/v1/adjustments/${adjustmentId}`, { token: district })).body.progress;
    expect(progress).toEqual({ units: UNITS, tasks: UNITS, done: UNITS, skipped: 0 });
    console.log(`adjustment durability: ${atKill} of ${UNITS} tasks done when the worker was killed; the rest applied ${((Date.now() - restarted) / 1000).toFixed(1)} s after the restart`);
    // Every task carries the new target, changed exactly once: one version step and one audit entry each.
    const rows = await s.db.sql<{ target: number; version: number; entries: number }[]>`
      select t.target::float8 as target, t.version,
        (select count(*)::int from audit_log a where a.subject_type = 'task' and a.subject_id = t.id::text and a.action = 'task.retarget') as entries
      from tasks t join orgs o on o.id = t.org_id where t.plan_id = ${plan.body.id} and o.level = 'grassroots'`;
    expect(rows).toHaveLength(UNITS);
    expect(rows.filter((r) => r.target !== 2 || r.version !== 2 || r.entries !== 1)).toEqual([]);
  });
});
