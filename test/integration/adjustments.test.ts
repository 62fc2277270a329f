// 政策调整 on the real servers: three small joint unions raise the same difficulty with HX-01; their township merges
// two and forwards; the district previews, then applies a looser HX-01 target for joint unions under 25 members in
// the running plan. The tasks carry the new target, an approved HX-01 is re-scored and its unit's live index moves,
// the needs are resolved with the adjustment's number, each raiser is told, and units outside the class keep theirs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';

let s: DemoStack;
let worker: { stop(): Promise<void> };
let district: string;
let officer: string;
let planId: string;
let chairs: { login: string; orgId: string }[];
let outsider: { login: string; orgId: string };
const needIds: string[] = [];
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  district = await s.token('district');
  const rows = await s.db.sql<{ login: string; orgId: string; townshipId: string }[]>`
    select u.login, o.id as "orgId", o.township_id as "townshipId"
    from orgs o join users u on u.org_id = o.id and u.role = 'grassroots_chair'
    where o.unit_type in ('joint_regional', 'joint_trade') and o.status = 'active'
      and o.township_id = (select township_id from orgs where unit_type in ('joint_regional', 'joint_trade') and status = 'active'
                           group by township_id having count(*) >= 3 order by township_id limit 1)
    order by o.code limit 3`;
  // Made small (under 25 members) for this story.
  for (const [n, r] of rows.entries()) await s.db.sql`update orgs set members = ${18 + 2 * n}, female_members = 5 where id = ${r.orgId}`;
  chairs = rows;
  const [other] = await s.db.sql<{ login: string; orgId: string }[]>`
    select u.login, o.id as "orgId" from orgs o join users u on u.org_id = o.id and u.role = 'grassroots_chair'
    where o.township_id = ${rows[0]!.townshipId} and o.unit_type = 'enterprise' order by o.code limit 1`;
  outsider = other!;
  const [officerRow] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${rows[0]!.townshipId} and role = 'township_officer'`;
  officer = await s.token(officerRow!.login);
});
afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

async function ok(method: string, url: string, token: string, body?: unknown, status = 200) {
  const res = await s.call(method, `/api/v1${url}`, { token, body });
  if (res.status !== status) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}
const taskOf = async (chair: string, code: string) =>
  ((await ok('GET', `/tasks?planId=${planId}&indicator=${code}`, await s.token(chair))).items as { id: string; target: number; state: string; points: number | null }[])[0]!;
async function evidence(token: string) {
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% 职代会\n%%EOF\n')], { type: 'application/pdf' }), '会议纪要.pdf');
  return (await ok('POST', '/uploads', token, form, 201)).id as string;
}

describe('a policy adjustment answers the needs that asked for it', () => {
  it('runs the plan: the first small union reports no congress and is approved with 0 points', async () => {
    const plan = await ok('POST', '/plans', district, { year: 2026, name: '2026年度政策调整测试', deadline: bj('2026-12-18T18:00:00'), indicators: ['HX-01', 'HS-02'] }, 201);
    planId = plan.id;
    await ok('POST', `/plans/${planId}/issue`, district);
    await ok('POST', `/plans/${planId}/dispatch`, officer, {});
    const token = await s.token(chairs[0]!.login);
    const task = await taskOf(chairs[0]!.login, 'HX-01');
    await ok('POST', `/tasks/${task.id}/claim`, token, { responsible: '联合工会主席' });
    await ok('POST', `/tasks/${task.id}/report`, token, { value: 0, final: true, evidence: [await evidence(token)], note: '会员18人，未能单独召开职代会' });
    await ok('POST', `/tasks/${task.id}/evaluate`, officer, { decision: 'approve' });
    await ok('POST', `/tasks/${task.id}/evaluate`, district, { decision: 'approve' });
    const index = await ok('GET', `/plans/${planId}/units/${chairs[0]!.orgId}/index`, district);
    expect(index.unit).toMatchObject({ band: '不合格', failedGates: ['HX-01'] });
  });

  it('collects the needs: three raised, two merged, forwarded', async () => {
    for (const chair of chairs) {
      const need = await ok('POST', '/needs', await s.token(chair.login), { kind: 'difficulty', planId, indicators: ['HX-01'], title: '小微联合工会难以单独召开职代会', body: '会员不足25人，建议允许区域联合召开。' }, 201);
      needIds.push(need.id);
    }
    await ok('POST', `/needs/${needIds[1]}/merge`, officer, { into: needIds[0] });
    await ok('POST', `/needs/${needIds[0]}/forward`, officer, { comment: '辖区小微联合工会普遍反映' });
    await ok('POST', `/needs/${needIds[2]}/forward`, officer, { comment: '同上' });
  });

  it('refuses a bad adjustment with the field named and applies nothing', async () => {
    const base = { kind: 'target', class: { unitTypes: ['joint_regional', 'joint_trade'], sizeClasses: ['micro'] }, indicators: ['HX-01'], target: 0, reason: '小微联合工会可联合召开职代会' };
    const cases: [unknown, number, string][] = [
      [{ ...base, class: {} }, 422, 'class'],
      [{ ...base, class: { orgIds: ['00000000-0000-4000-8000-000000000000'] } }, 422, 'class'],
      [{ ...base, indicators: ['HL-05'] }, 422, 'indicators[0]'],
      [{ ...base, indicators: ['GF-03'] }, 422, 'indicators[0]'],
      [{ ...base, kind: 'target', indicators: ['HX-01'], target: 1.5 }, 422, 'target'],
      [{ ...base, needs: ['00000000-0000-4000-8000-000000000000'] }, 422, 'needs[0]'],
      [{ ...base, reason: '' }, 400, 'body.reason'],
    ];
    for (const [body, status, field] of cases) {
      const res = await s.call('POST', `/api/v1/plans/${planId}/adjustments`, { token: district, body });
      expect([res.status, res.body.error?.field], JSON.stringify(res.body)).toEqual([status, field]);
    }
    expect((await s.call('POST', `/api/v1/plans/${planId}/adjustments`, { token: officer, body: base })).status).toBe(403);
    expect((await s.db.sql<{ n: number }[]>`select count(*)::int as n from adjustments`)[0]!.n).toBe(0);
  });

  it('previews, then applies a looser HX-01 target for joint unions under 25 members', async () => {
    const body = {
      kind: 'target',
      class: { unitTypes: ['joint_regional', 'joint_trade'], sizeClasses: ['micro'] },
      indicators: ['HX-01'],
      target: 0,
      reason: '25人以下联合工会以区域联合职代会完成，不再单独考核召开次数',
      needs: [needIds[0], needIds[2]],
    };
    const outsiderBefore = await taskOf(outsider.login, 'HX-01');
    const preview = await ok('POST', `/plans/${planId}/adjustments/preview`, district, body);
    expect(preview.units).toBeGreaterThanOrEqual(3);
    expect(preview.tasks).toBe(preview.units);
    expect(preview.rescored).toBe(1);
    expect(preview.index.improved).toBe(1);
    expect(preview.moves[0]).toMatchObject({ orgId: chairs[0]!.orgId, bandBefore: '不合格' });
    expect((await s.db.sql<{ n: number }[]>`select count(*)::int as n from adjustments`)[0]!.n).toBe(0);

    const key = { 'idempotency-key': 'adjust-hx01-micro-joint' };
    const posted = await s.call('POST', `/api/v1/plans/${planId}/adjustments`, { token: district, body, headers: key });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const created = posted.body;
    expect(created.number).toMatch(/^富工调〔\d{4}〕1号$/);
    await waitUntil('the adjustment to be applied', async () => (await ok('GET', `/adjustments/${created.id}`, district)).state === 'applied', 60_000);
    // The API died after recording it and before storing its answer: the retry with the key finds it, records nothing new.
    await s.db.sql`delete from idempotency_keys where key = ${key['idempotency-key']}`;
    const retried = await s.call('POST', `/api/v1/plans/${planId}/adjustments`, { token: district, body, headers: key });
    expect([retried.status, retried.body.id, retried.body.number, retried.body.state]).toEqual([202, created.id, created.number, 'applied']);
    expect((await s.db.sql<{ n: number }[]>`select count(*)::int as n from adjustments`)[0]!.n).toBe(1);
    const applied = await ok('GET', `/adjustments/${created.id}`, district);
    expect(applied.progress).toEqual({ units: preview.units, tasks: preview.tasks, done: preview.tasks, skipped: 0 });

    for (const chair of chairs) expect((await taskOf(chair.login, 'HX-01')).target).toBe(0);
    const rescored = await taskOf(chairs[0]!.login, 'HX-01');
    expect(rescored.points).toBe(5);
    const index = await ok('GET', `/plans/${planId}/units/${chairs[0]!.orgId}/index`, district);
    expect(index.unit.failedGates).toEqual([]);
    expect(index.unit.band).not.toBe('不合格');
    expect(index.unit.total).toBe(preview.moves[0].after);
    // Units outside the class keep their target.
    expect((await taskOf(outsider.login, 'HX-01')).target).toBe(outsiderBefore.target);

    // The needs are resolved with the adjustment's number, the merged one too, and every raiser is told.
    for (const id of needIds) {
      const need = await ok('GET', `/needs/${id}`, district);
      expect([need.state, need.adjustmentId]).toEqual(['resolved', created.id]);
    }
    for (const chair of chairs) {
      const notices = (await ok('GET', '/notices', await s.token(chair.login))).items as { title: string; body: string }[];
      expect(notices.some((n) => n.title.startsWith('【需求办结】') && n.body.includes(created.number))).toBe(true);
      expect(notices.some((n) => n.title === `【政策调整】${created.number}`)).toBe(true);
    }
    // One history entry per task changed, naming the adjustment.
    const audit = await s.db.sql<{ n: number }[]>`
      select count(*)::int as n from audit_log where action = 'task.retarget' and summary->>'adjustment' = ${created.number}`;
    expect(audit[0]!.n).toBe(preview.tasks);
  });
  it('refuses a rate target above 100 and any adjustment of a closed plan, changing nothing', async () => {
    const other = await ok('POST', '/plans', district, { year: 2026, name: '2026年度入会率调整测试', deadline: bj('2026-12-18T18:00:00'), indicators: ['GF-03'] }, 201);
    await ok('POST', `/plans/${other.id}/issue`, district);
    await ok('POST', `/plans/${other.id}/dispatch`, officer, {});
    const rate = { kind: 'target', class: { unitTypes: ['enterprise'] }, indicators: ['GF-03'], target: 120, reason: '提高入会率要求' };
    for (const path of ['/adjustments/preview', '/adjustments']) {
      const res = await s.call('POST', `/api/v1/plans/${other.id}${path}`, { token: district, body: rate });
      expect([res.status, res.body.error?.field]).toEqual([422, 'target']);
      expect(res.body.error.message).toContain('0 to 100');
    }
    await ok('POST', `/plans/${other.id}/close`, district);
    const closed = await s.call('POST', `/api/v1/plans/${other.id}/adjustments`, { token: district, body: { ...rate, target: 95 } });
    expect(closed.status).toBe(409);
    expect(closed.body.error).toMatchObject({ code: 'conflict', state: 'closed' });
    expect((await s.db.sql<{ n: number }[]>`select count(*)::int as n from adjustments where plan_id = ${other.id}`)[0]!.n).toBe(0);
  });
});
