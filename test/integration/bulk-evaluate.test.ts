import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalogue } from '../../indicators';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';

// POST /api/v1/tasks/evaluate on the real servers: one request reviews many tasks, each row succeeds or
// fails on its own with the status the single-task verb would give, and a retry applies nothing twice.
let s: DemoStack;
let worker: { stop(): Promise<void> };
let planId: string;
const year = new Date().getUTCFullYear() + 1;
type Task = { id: string; indicator: string; state: string; version: number; target: number; twoTier: boolean; points: number | null };

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
});
afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

function valueFor(code: string, target: number) {
  const type = defaultCatalogue.indicators.find((i) => i.code === code)!.measure.type;
  return type === 'boolean' ? 1 : type === 'rate' ? Math.min(100, target + 2) : target + 1;
}

async function tasksOf(login: string): Promise<Task[]> {
  const res = await s.call('GET', `/api/v1/tasks?planId=${planId}&limit=100`, { token: await s.token(login) });
  expect(res.status).toBe(200);
  return res.body.items;
}

/** The chair claims and finally reports every one-tier task of their unit; returns them as reported. */
async function reportAll(login: string): Promise<Task[]> {
  const token = await s.token(login);
  const out: Task[] = [];
  for (const t of (await tasksOf(login)).filter((t) => !t.twoTier)) {
    expect((await s.call('POST', `/api/v1/tasks/${t.id}/claim`, { token, body: { responsible: '王主席' } })).status).toBe(200);
    const form = new FormData();
    form.set('file', new Blob([Buffer.from('%PDF-1.4\n% minutes\n%%EOF\n')], { type: 'application/pdf' }), '会议纪要.pdf');
    const upload = await s.call('POST', '/api/v1/uploads', { token, body: form });
    expect(upload.status).toBe(201);
    const r = await s.call('POST', `/api/v1/tasks/${t.id}/report`, { token, body: { value: valueFor(t.indicator, t.target), note: '已完成', evidence: [upload.body.id], final: true } });
    expect(r.status).toBe(200);
    out.push(r.body);
  }
  return out;
}

describe('bulk evaluation', () => {
  let u1: Task[];
  let u2: Task[];
  let foreign: Task;

  it('sets up: a plan with a few indicators, dispatched in township 01, reported by two chairs', async () => {
    const district = await s.token('district');
    const created = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: { year, name: '批量审核测试', deadline: `${year}-11-30T16:00:00.000Z`, indicators: ['HS-01', 'HS-02', 'GF-03', 'HL-05'], escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } },
    });
    expect(created.status).toBe(201);
    planId = created.body.id;
    expect((await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district })).status).toBe(200);
    const units = [await s.orgId('FY-T01-U001'), await s.orgId('FY-T01-U002')];
    const dispatched = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: await s.token('township-01'), body: { units } });
    expect(dispatched.status).toBe(200);
    u1 = await reportAll('unit-0001');
    u2 = await reportAll('unit-0002');
    expect(u1.length).toBeGreaterThanOrEqual(2);
    expect(u2.length).toBeGreaterThanOrEqual(1);
    foreign = (await s.call('GET', `/api/v1/tasks?planId=${planId}&townshipId=${await s.orgId('FY-T02')}&limit=1`, { token: district })).body.items[0];
    expect(foreign).toBeDefined();

    // The review queue: reported tasks, the longest waiting first, paged on the server.
    const officer = await s.token('township-01');
    const queue: { id: string; changedAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string; changedAt: string }[]; nextCursor: string | null } } = await s.call('GET', `/api/v1/tasks?planId=${planId}&state=reported&sort=changed&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: officer });
      queue.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(queue.map((t) => t.id).sort()).toEqual([...u1, ...u2].map((t) => t.id).sort());
    expect(queue.map((t) => t.changedAt)).toEqual(queue.map((t) => t.changedAt).sort());
    expect(queue[0]!.id).toBe(u1[0]!.id);
    const wrongCursor = await s.call('GET', `/api/v1/tasks?planId=${planId}&state=reported&limit=1`, { token: officer });
    const mixed = await s.call('GET', `/api/v1/tasks?planId=${planId}&sort=changed&cursor=${wrongCursor.body.nextCursor}`, { token: officer });
    expect(mixed.status).toBe(422);
    expect(mixed.body.error.field).toBe('cursor');
  });

  it('approves, returns and refuses row by row, in the order sent, and a retry with the same key changes nothing', async () => {
    const officer = await s.token('township-01');
    const [a, b] = u1;
    const [c] = u2;
    const returnDeadline = `${year}-10-31T16:00:00.000Z`;
    const body = {
      items: [
        { taskId: a!.id, decision: 'approve', score: 1, version: a!.version },
        { taskId: b!.id, decision: 'return', reason: '佐证材料不完整，请补充', deadline: returnDeadline },
        { taskId: c!.id, decision: 'approve', version: c!.version - 1 },
        { taskId: foreign.id, decision: 'approve' },
      ],
    };
    const res = await s.call('POST', '/api/v1/tasks/evaluate', { token: officer, body, headers: { 'Idempotency-Key': 'bulk-1' } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { taskId: string; status: number }) => [r.taskId, r.status])).toEqual([
      [a!.id, 200],
      [b!.id, 200],
      [c!.id, 409],
      [foreign.id, 404],
    ]);
    expect(res.body).toMatchObject({ succeeded: 2, failed: 2 });
    expect(res.body.results[0].task).toMatchObject({ state: 'approved', points: 1 });
    expect(res.body.results[1].task).toMatchObject({ state: 'returned', deadline: returnDeadline });
    expect(res.body.results[3].error.message).not.toMatch(/FY-|工会/);

    const replay = await s.call('POST', '/api/v1/tasks/evaluate', { token: officer, body, headers: { 'Idempotency-Key': 'bulk-1' } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(res.body);
    const [history] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where subject_id = ${a!.id} and action = 'task.approve'`;
    expect(history!.n).toBe(1);

    // The chair sees why the task came back and by when.
    const seen = await s.call('GET', `/api/v1/tasks/${b!.id}`, { token: await s.token('unit-0001') });
    expect(seen.body.state).toBe('returned');
    const returned = seen.body.history.find((e: { action: string }) => e.action === 'task.return');
    expect(returned.summary).toMatchObject({ reason: '佐证材料不完整，请补充' });
    expect(seen.body.reports.at(-1)).toMatchObject({ final: true, note: '已完成' });
  });

  it('refuses the whole request when a task appears twice, naming the row, and a chair outright', async () => {
    const officer = await s.token('township-01');
    const [, , d] = u1;
    const id = d?.id ?? u2[0]!.id;
    const twice = await s.call('POST', '/api/v1/tasks/evaluate', { token: officer, body: { items: [{ taskId: id, decision: 'approve' }, { taskId: id, decision: 'return', reason: '材料不全' }] } });
    expect(twice.status).toBe(422);
    expect(twice.body.error.field).toBe('items[1].taskId');
    const chair = await s.call('POST', '/api/v1/tasks/evaluate', { token: await s.token('unit-0001'), body: { items: [{ taskId: id, decision: 'approve' }] } });
    expect(chair.status).toBe(403);
    const empty = await s.call('POST', '/api/v1/tasks/evaluate', { token: officer, body: { items: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('body.items');
    expect((await s.call('GET', `/api/v1/tasks/${id}`, { token: officer })).body.state).toBe('reported');
  });
});
