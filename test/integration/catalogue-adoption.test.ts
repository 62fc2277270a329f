// A new catalogue version adopted by a running plan, on the real servers: the district lowers HS-02's default
// target from 4 to 3 events a year and publishes with `runningPlans: adopt`. Tasks not yet evaluated that follow
// the catalogue's rule take 3 (dispatched ones through their unit workflow, undispatched ones before dispatch); an
// approved task keeps the target it was scored against; a township's stricter target stays; the units told are
// exactly those whose target changed; and the explanation says where each target now comes from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';

let s: DemoStack;
let worker: { stop(): Promise<void> };
let district: string;
let officer: string;
let planId: string;
type Unit = { login: string; orgId: string; townshipId: string };
let approved: Unit; // reports and is approved before the new version
let follows: Unit; // follows the catalogue's default
let stricter: Unit; // its township asked for 5
let elsewhere: Unit; // a unit of a township that has not dispatched yet
let adjustmentId: string;
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  district = await s.token('district');
  // Enterprise unions of 100–999 members: HS-02's default target (no size-class or unit-type value) applies to them.
  const units = await s.db.sql<Unit[]>`
    select u.login, o.id as "orgId", o.township_id as "townshipId"
    from orgs o join users u on u.org_id = o.id and u.role = 'grassroots_chair'
    where o.unit_type = 'enterprise' and o.members between 100 and 999 and o.status = 'active'
    order by o.code`;
  const first = units[0]!.townshipId;
  const own = units.filter((u) => u.townshipId === first);
  expect(own.length).toBeGreaterThanOrEqual(3);
  [approved, follows, stricter] = own as [Unit, Unit, Unit];
  elsewhere = units.find((u) => u.townshipId !== first)!;
  const [officerRow] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${first} and role = 'township_officer'`;
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
const hs02 = async (unit: Unit) => {
  const [task] = await s.db.sql<{ id: string; target: number; state: string; points: number | null }[]>`
    select id, target::float8 as target, state, points::float8 as points from tasks where plan_id = ${planId} and org_id = ${unit.orgId} and indicator = 'HS-02'`;
  return task!;
};
const adoptionNotices = (unit: Unit) => s.db.sql`select id from notices where org_id = ${unit.orgId} and title like '【政策调整】%'`;

describe('a running plan adopts a newer catalogue version for the tasks not yet evaluated', () => {
  it('runs the plan: one township dispatches with a stricter HS-02 for one unit, and one unit is approved', async () => {
    const plan = await ok('POST', '/plans', district, { year: 2026, name: '2026年度目录版本采用测试', deadline: bj('2026-12-18T18:00:00'), indicators: ['HS-02', 'HL-02'] }, 201);
    planId = plan.id;
    await ok('POST', `/plans/${planId}/issue`, district);
    await ok('POST', `/plans/${planId}/dispatch`, officer, { overrides: [{ unitId: stricter.orgId, indicator: 'HS-02', target: 5 }] });
    const token = await s.token(approved.login);
    const task = await hs02(approved);
    await ok('POST', `/tasks/${task.id}/claim`, token, { responsible: '工会主席' });
    const form = new FormData();
    form.set('file', new Blob([Buffer.from('%PDF-1.4\n% 活动\n%%EOF\n')], { type: 'application/pdf' }), '活动记录.pdf');
    const upload = (await ok('POST', '/uploads', token, form, 201)).id;
    await ok('POST', `/tasks/${task.id}/report`, token, { value: 4, final: true, evidence: [upload] });
    await ok('POST', `/tasks/${task.id}/evaluate`, officer, { decision: 'approve' });
    expect(await hs02(approved)).toMatchObject({ target: 4, state: 'approved', points: 5 });
    expect(await hs02(follows)).toMatchObject({ target: 4, state: 'dispatched' });
    expect((await hs02(stricter)).target).toBe(5);
    expect(await hs02(elsewhere)).toMatchObject({ target: 4, state: 'issued' });
  });

  it('refuses an adoption that is not newer, or of a version that does not exist, naming the field, and records nothing', async () => {
    const before = await s.db.sql`select id from adjustments where plan_id = ${planId}`;
    for (const catalogueVersion of [1, 99]) {
      const res = await s.call('POST', `/api/v1/plans/${planId}/adjustments`, { token: district, body: { kind: 'catalogue', reason: '采用新版目录', catalogueVersion } });
      expect(res.status).toBe(422);
      expect(res.body.error.field).toBe('catalogueVersion');
    }
    const missing = await s.call('POST', `/api/v1/plans/${planId}/adjustments`, { token: district, body: { kind: 'catalogue', reason: '采用新版目录' } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.field).toBe('catalogueVersion');
    expect(await s.db.sql`select id from adjustments where plan_id = ${planId}`).toHaveLength(before.length);
  });

  it('publishes version 2 with HS-02’s default lowered to 3 and adopts it in the running plan', async () => {
    const draft = await ok('POST', '/catalogue/draft', district, {}, 201);
    const edited = await ok('PATCH', '/catalogue/draft/indicators/HS-02', district, {
      revision: draft.revision,
      changes: { targets: { default: 3, bySizeClass: { micro: 2, small: 3 }, byUnitType: { new_employment: 2 } } },
    });
    const published = await ok('POST', '/catalogue/draft/publish', district, { revision: edited.revision, runningPlans: 'adopt' }, 201);
    expect(published.version).toBe(2);
    expect(published.adoptions).toHaveLength(1);
    expect(published.adoptions[0]).toMatchObject({ planId, number: expect.stringMatching(/工调〔\d{4}〕\d+号$/) });
    expect(published.adoptions[0].tasks).toBeGreaterThan(0);
    adjustmentId = published.adoptions[0].adjustmentId;
    let done: { kind: string; catalogueVersion: number; progress: { done: number; skipped: number; tasks: number } } | undefined;
    await waitUntil('the adoption applied', async () => {
      const a = await ok('GET', `/adjustments/${adjustmentId}`, district);
      if (a.state === 'applied') done = a;
      return done !== undefined;
    }, 90_000);
    expect(done).toMatchObject({ kind: 'catalogue', catalogueVersion: 2 });
    expect(done!.progress.done + done!.progress.skipped).toBe(done!.progress.tasks);
  });

  it('gives the new target to the tasks that follow the catalogue, and only to them', async () => {
    expect(await hs02(follows)).toMatchObject({ target: 3, state: 'dispatched' });
    expect(await hs02(approved)).toMatchObject({ target: 4, state: 'approved', points: 5 });
    expect((await hs02(stricter)).target).toBe(5);
    // The chair sees it on the task, with the adjustment in its history.
    const seen = await ok('GET', `/tasks/${(await hs02(follows)).id}`, await s.token(follows.login));
    expect(seen.target).toBe(3);
    expect(JSON.stringify(seen.history)).toContain('工调');
    // HL-02 did not change between the versions: untouched.
    const [hl02] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from adjustment_tasks where adjustment_id = ${adjustmentId} and task_id in (select id from tasks where indicator = 'HL-02')`;
    expect(hl02!.n).toBe(0);
  });

  it('tells exactly the units whose target changed', async () => {
    expect(await adoptionNotices(follows)).toHaveLength(1);
    expect(await adoptionNotices(approved)).toHaveLength(0);
    expect(await adoptionNotices(stricter)).toHaveLength(0);
  });

  it('an undispatched unit gets the new target when its township dispatches', async () => {
    expect(await hs02(elsewhere)).toMatchObject({ target: 3, state: 'issued' });
    const [row] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${elsewhere.townshipId} and role = 'township_officer'`;
    await ok('POST', `/plans/${planId}/dispatch`, await s.token(row!.login), {});
    const inbox = await ok('GET', `/tasks?planId=${planId}&indicator=HS-02`, await s.token(elsewhere.login));
    expect(inbox.items[0]).toMatchObject({ target: 3, state: 'dispatched' });
  });

  it('explains each target by the rules it follows now', async () => {
    const explained = async (unit: Unit) => (await ok('GET', `/plans/${planId}/units/${unit.orgId}/index`, district)).indicators.find((i: { code: string }) => i.code === 'HS-02');
    expect(await explained(follows)).toMatchObject({ target: 3, targetSource: 'default' });
    expect(await explained(approved)).toMatchObject({ target: 4, targetSource: 'default' });
    expect(await explained(stricter)).toMatchObject({ target: 5, targetSource: 'township_override' });
  });

  it('does not adopt the same version twice', async () => {
    const again = await s.call('POST', `/api/v1/plans/${planId}/adjustments`, { token: district, body: { kind: 'catalogue', reason: '再次采用', catalogueVersion: 2 } });
    expect(again.status).toBe(422);
    expect(again.body.error.message).toContain('already follows version 2');
  });
});
