// The live 建家 index on the real servers with the demo district: it moves in the same request that approves a
// task, pending work never counts as zero, each lost point has its reason, the one screen is scoped, and at
// close the final index equals a recomputation from scratch for every unit while units whose township never
// dispatched are neither banded nor ranked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitStanding } from '../../indicators';
import { publishedCatalogue } from '../../db/queries/unit-index';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';

let s: DemoStack;
let worker: { stop(): Promise<void> };
let district: string;
let planId: string;
const codes = ['HS-02', 'GF-03', 'HX-01', 'WN-04'];
/** Beijing wall-clock time as an ISO instant. */
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();
const units: Record<string, string> = {};

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  district = await s.token('district');
  for (const code of ['FY-T01-U001', 'FY-T01-U002', 'FY-T01-U003', 'FY-T01-U004', 'FY-T02-U001']) units[code] = await s.orgId(code);
});
afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

type Task = { id: string; indicator: string; state: string; target: number; version: number };
async function ok(method: string, url: string, token: string, body?: unknown) {
  const res = await s.call(method, `/api/v1${url}`, { token, body });
  if (res.status !== 200 && res.status !== 201) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}
const tasksOf = async (chair: string) => (await ok('GET', `/tasks?planId=${planId}&limit=100`, await s.token(chair))).items as Task[];
async function evidence(token: string) {
  const form = new FormData();
  form.set('file', new Blob([Buffer.from('%PDF-1.4\n% 台账\n%%EOF\n')], { type: 'application/pdf' }), '台账.pdf');
  return (await ok('POST', '/uploads', token, form)).id as string;
}
/** Claim and finally report a value, as the unit's chair. */
async function report(chair: string, code: string, value: number) {
  const token = await s.token(chair);
  const task = (await tasksOf(chair)).find((t) => t.indicator === code)!;
  await ok('POST', `/tasks/${task.id}/claim`, token, { responsible: '张主席' });
  await ok('POST', `/tasks/${task.id}/report`, token, { value, final: true, evidence: [await evidence(token)] });
  return task;
}
const approve = (taskId: string, token: string) => ok('POST', `/tasks/${taskId}/evaluate`, token, { decision: 'approve' });
const explain = async (unit: string, token = district) => ok('GET', `/plans/${planId}/units/${units[unit]}/index`, token);

describe('the live 建家 index', () => {
  it('starts every dispatched unit pending: no index, no band, nothing counted as zero', async () => {
    const plan = await ok('POST', '/plans', district, { year: 2026, name: '2026年度建家指数测试', deadline: bj('2026-12-18T18:00:00'), indicators: codes });
    planId = plan.id;
    await ok('POST', `/plans/${planId}/issue`, district);
    // Township 01 gives U003 an HS-02 deadline already past; townships 01 and 02 dispatch, the other 22 do not.
    await ok('POST', `/plans/${planId}/dispatch`, await s.token('township-01'), { overrides: [{ unitId: units['FY-T01-U003'], indicator: 'HS-02', deadline: bj('2026-11-20T18:00:00') }] });
    await ok('POST', `/plans/${planId}/dispatch`, await s.token('township-02'), {});
    const fresh = await explain('FY-T01-U001');
    expect(fresh.unit).toMatchObject({ total: null, band: null, provisional: true, coverage: 0, districtRank: null });
    expect(fresh.unit.categories).toEqual({ HS: null, GF: null, HL: null, WN: null, HX: null });
    expect(fresh.indicators.map((i: { reason: string }) => i.reason)).toEqual(['pending', 'pending', 'pending', 'pending']);
  });

  it('moves the unit, township and district index in the same request that approves a task', async () => {
    const officer = await s.token('township-01');
    const hs = await report('unit-0001', 'HS-02', 10);
    const before = await ok('GET', `/plans/${planId}/screen?scope=township:${await s.orgId('FY-T01')}`, officer);
    expect(before.headline).toMatchObject({ indexed: 0, total: null });
    await approve(hs.id, officer);
    // No waiting: the next read already has it.
    const unit = (await explain('FY-T01-U001')).unit;
    expect(unit).toMatchObject({ total: 100, band: '五星', provisional: true, districtRank: 1, townshipRank: 1 });
    expect(unit.categories).toEqual({ HS: 100, GF: null, HL: null, WN: null, HX: null });
    // HS-02 is 5 of the 18 points the unit has to earn (5 + 5 + 5 + 3).
    expect(unit.coverage).toBeCloseTo(5 / 18, 4);
    const township = await ok('GET', `/plans/${planId}/screen?scope=township:${await s.orgId('FY-T01')}`, officer);
    expect(township.headline).toMatchObject({ indexed: 1, total: 100, approvedTasks: 1 });
    const whole = await ok('GET', `/plans/${planId}/screen`, district);
    expect(whole.headline).toMatchObject({ indexed: 1, total: 100 });
    expect(whole.headline.categories.GF).toBeNull();
  });

  it('explains every lost point with its reason, and earned + lost makes the maximum', async () => {
    const officer = await s.token('township-01');
    const gf = await report('unit-0001', 'GF-03', 0); // far below any rate target: approved with 0 points
    await approve(gf.id, officer);
    const hx = await report('unit-0001', 'HX-01', 0); // the gate, below target
    await approve(hx.id, officer);
    await approve(hx.id, district); // two-tier: the district confirms
    const wn = await report('unit-0001', 'WN-04', 0);
    await ok('POST', `/tasks/${wn.id}/evaluate`, officer, { decision: 'return', reason: '请补充女职工权益保护专项协议' });
    const u2 = (await tasksOf('unit-0002')).find((t) => t.indicator === 'WN-04')!;
    await ok('POST', `/tasks/${u2.id}/exit`, officer, { reason: '该单位无女职工' });

    const byCode = (x: { indicators: { code: string }[] }) => Object.fromEntries(x.indicators.map((i) => [i.code, i]));
    const u1 = byCode(await explain('FY-T01-U001')) as unknown as Record<string, { earned: number; lost: number; maxPoints: number; reason: string; reviews: { reason: string | null }[]; evidence: unknown[]; targetSource: string }>;
    expect([u1['HS-02']!.earned, u1['HS-02']!.reason]).toEqual([5, 'none']);
    expect([u1['GF-03']!.earned, u1['GF-03']!.lost, u1['GF-03']!.reason]).toEqual([0, 5, 'below_target']);
    expect([u1['HX-01']!.lost, u1['HX-01']!.reason]).toEqual([5, 'gate_failed']);
    expect([u1['WN-04']!.lost, u1['WN-04']!.reason]).toEqual([3, 'returned']);
    expect(u1['WN-04']!.reviews.map((r) => r.reason)).toContain('请补充女职工权益保护专项协议');
    expect(u1['HS-02']!.evidence).toHaveLength(1);
    for (const i of Object.values(u1)) expect(i.earned + i.lost).toBe(i.maxPoints);
    const unit = (await explain('FY-T01-U001')).unit;
    // The gate failed: 不合格 whatever the score; the returned task is not yet counted (only approved ones are).
    expect(unit).toMatchObject({ band: '不合格', failedGates: ['HX-01'] });
    expect(unit.categories.WN).toBeNull();

    const u2codes = byCode(await explain('FY-T01-U002')) as unknown as Record<string, { reason: string; inIndex: boolean }>;
    expect(u2codes['WN-04']).toMatchObject({ reason: 'exited', inIndex: false });
    // U003's HS-02 deadline has passed with nothing reported; its other tasks are simply not due yet.
    const u3 = byCode(await explain('FY-T01-U003')) as unknown as Record<string, { reason: string }>;
    expect([u3['HS-02']!.reason, u3['GF-03']!.reason]).toEqual(['not_reported', 'pending']);
  });

  it('scopes the screen: a township officer sees their own township, a chair none of it', async () => {
    const officer = await s.token('township-01');
    expect((await s.call('GET', `/api/v1/plans/${planId}/screen`, { token: officer })).body.scope.kind).toBe('township');
    expect((await s.call('GET', `/api/v1/plans/${planId}/screen?scope=district`, { token: officer })).status).toBe(403);
    expect((await s.call('GET', `/api/v1/plans/${planId}/screen?scope=township:${await s.orgId('FY-T02')}`, { token: officer })).status).toBe(403);
    expect((await s.call('GET', `/api/v1/plans/${planId}/screen`, { token: await s.token('unit-0001') })).status).toBe(403);
    const ranking = await ok('GET', `/plans/${planId}/ranking`, officer);
    expect(new Set(ranking.items.map((u: { townshipName: string }) => u.townshipName))).toEqual(new Set(['富春街道总工会']));
    const own = await ok('GET', `/plans/${planId}/ranking`, await s.token('unit-0002'));
    expect(own.items.map((u: { code: string }) => u.code)).toEqual(['FY-T01-U002']);
    expect((await s.call('GET', `/api/v1/plans/${planId}/units/${units['FY-T02-U001']}/index`, { token: officer })).status).toBe(404);
  });

  it('draws the district screen: townships that did not dispatch carry it, the trend has today, the ranking its robustness', async () => {
    const officer = await s.token('township-01');
    // U004 earns everything.
    for (const code of codes) {
      const t = await report('unit-0004', code, code === 'GF-03' ? 100 : code === 'WN-04' ? 1 : 10);
      await approve(t.id, officer);
      if (code === 'HX-01') await approve(t.id, district);
    }
    expect((await explain('FY-T01-U004')).unit).toMatchObject({ total: 100, band: '五星', coverage: 1 });
    await ok('POST', `/plans/${planId}/snapshots`, district);
    const screen = await ok('GET', `/plans/${planId}/screen`, district);
    const t03 = screen.townships.find((t: { name: string }) => t.name === '东洲街道总工会');
    const [t03units] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where township_id = (select id from orgs where code = 'FY-T03') and level = 'grassroots' and status = 'active'`;
    expect(t03.index).toMatchObject({ indexed: 0, notDispatched: t03units!.n * codes.length, unbanded: t03units!.n, total: null });
    expect(t03.rank).toBeNull();
    expect(screen.townships[0].name).toBe('富春街道总工会');
    expect(screen.trend).toHaveLength(1);
    expect(screen.funnel.reminded + screen.funnel.warned).toBeGreaterThan(0); // U003's past deadline
    expect(screen.mostOverdue[0]).toMatchObject({ code: 'FY-T01-U003' });
    expect(screen.topUnits.map((u: { code: string }) => u.code).slice(0, 2)).toEqual(['FY-T01-U004', 'FY-T01-U001']);
    const ranking = await ok('GET', `/plans/${planId}/ranking?robustness=true`, district);
    expect(ranking.robustness).toHaveLength(10);
    for (const r of ranking.robustness) expect(r.largestRankMove).toBeGreaterThanOrEqual(0);
  });

  it('at close, turns final: equal to a recomputation from scratch for every unit, and units never dispatched are neither banded nor ranked', async () => {
    const provisional = (await explain('FY-T01-U004')).unit.total;
    await ok('POST', `/plans/${planId}/close`, district);
    const catalogue = await publishedCatalogue(s.db.sql, 1);
    const stored = await s.db.sql<{ orgId: string; total: number | null; band: string | null; provisional: boolean; categories: Record<string, number | null>; failedGates: string[] }[]>`
      select org_id as "orgId", total::float8 as total, band, provisional, categories, failed_gates as "failedGates" from unit_index where plan_id = ${planId}`;
    const tasks = await s.db.sql<{ orgId: string; code: string; state: string; points: number | null }[]>`
      select t.org_id as "orgId", t.indicator as code, t.state, t.points::float8 as points from tasks t join orgs o on o.id = t.org_id
      where t.plan_id = ${planId} and o.level = 'grassroots'`;
    const unitCount = (await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where level = 'grassroots' and status = 'active'`)[0]!.n;
    expect(stored).toHaveLength(unitCount);
    for (const row of stored) {
      const again = unitStanding(catalogue, tasks.filter((t) => t.orgId === row.orgId), { final: true });
      expect({ total: row.total, band: row.band, categories: row.categories, failedGates: row.failedGates, provisional: row.provisional }).toEqual({
        total: again.total,
        band: again.band,
        categories: again.categories,
        failedGates: again.failedGates,
        provisional: false,
      });
    }
    // A unit that finished everything keeps the index it had during the year.
    expect((await explain('FY-T01-U004')).unit.total).toBe(provisional);
    // Results list only the units that received their tasks; those of the 22 townships that never dispatched have no band.
    const results = (await ok('GET', `/plans/${planId}/results`, district)).items as { code: string; band: string }[];
    const dispatched = stored.filter((r) => r.total !== null).length;
    expect(results).toHaveLength(dispatched);
    expect(results.every((r) => r.code.startsWith('FY-T01-') || r.code.startsWith('FY-T02-'))).toBe(true);
    expect(stored.filter((r) => r.band === null).length).toBe(unitCount - dispatched);
    const u1 = results.find((r) => r.code === 'FY-T01-U001');
    expect(u1?.band).toBe('不合格');
  });
});
