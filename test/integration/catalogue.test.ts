import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';

let s: DemoStack;
let admin: string;
beforeAll(async () => {
  s = await startDemoStack();
  admin = await s.token('district');
});
afterAll(async () => s?.stop());

describe('the published catalogue', () => {
  it('has 23 indicators in exactly five categories whose points sum to 100', async () => {
    const res = await s.call('GET', '/api/v1/catalogue', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    expect(res.body.indicators).toHaveLength(23);
    const categories = new Set(res.body.indicators.map((i: { category: string }) => i.category));
    expect([...categories].sort()).toEqual(['GF', 'HL', 'HS', 'HX', 'WN']);
    expect(res.body.categories).toHaveLength(5);
    expect(res.body.indicators.reduce((sum: number, i: { points: number }) => sum + i.points, 0)).toBe(100);
  });

  it('is readable by a grassroots chair, who is held to it', async () => {
    const res = await s.call('GET', '/api/v1/catalogue', { token: await s.token('unit-0005') });
    expect(res.status).toBe(200);
    expect(res.body.indicators[0].code).toBe('HS-01');
  });

  it('answers 401 without a token', async () => {
    const res = await s.call('GET', '/api/v1/catalogue');
    expect(res.status).toBe(401);
  });
});

describe('editing and publishing a draft', () => {
  it('rejects an invalid indicator naming it, publishes a new immutable version, and leaves the old one untouched', async () => {
    const opened = await s.call('POST', '/api/v1/catalogue/draft', { token: admin, body: { note: '2027 修订' } });
    expect(opened.status).toBe(201);
    expect(opened.body.version).toBe(2);

    const bad = await s.call('PATCH', '/api/v1/catalogue/draft/indicators/HL-03', {
      token: admin,
      body: { revision: opened.body.revision, changes: { targets: { default: 150 } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^HL-03: targets\.default/);
    expect(bad.body.error.indicator).toBe('HL-03');

    const good = await s.call('PATCH', '/api/v1/catalogue/draft/indicators/HL-03', {
      token: admin,
      body: { revision: opened.body.revision, changes: { targets: { default: 65 } } },
    });
    expect(good.status).toBe(200);

    const stale = await s.call('PATCH', '/api/v1/catalogue/draft/indicators/HL-02', {
      token: admin,
      body: { revision: opened.body.revision, changes: { points: 4 } },
    });
    expect(stale.status).toBe(409);

    const published = await s.call('POST', '/api/v1/catalogue/draft/publish', { token: admin, body: { revision: good.body.revision } });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ version: 2, status: 'published' });

    const current = await s.call('GET', '/api/v1/catalogue', { token: admin });
    expect(current.body.version).toBe(2);
    expect(current.body.indicators.find((i: { code: string }) => i.code === 'HL-03').targets.default).toBe(65);
    const v1 = await s.call('GET', '/api/v1/catalogue/versions/1', { token: admin });
    expect(v1.body.indicators.find((i: { code: string }) => i.code === 'HL-03').targets.default).toBe(60);

    // Published versions cannot change, even by going around the API.
    await expect(s.db.sql`update catalogue_versions set note = 'x' where version = 2`).rejects.toThrow(/published and cannot change/);
    const again = await s.call('POST', '/api/v1/catalogue/draft/publish', { token: admin, body: { revision: good.body.revision } });
    expect(again.status).toBe(404);
  });

  it('refuses a whole draft with every problem listed and writes nothing', async () => {
    const opened = await s.call('POST', '/api/v1/catalogue/draft', { token: admin, body: {} });
    const body = structuredClone(opened.body);
    body.indicators[0].points = -1;
    body.indicators[5].measure.type = 'count';
    const res = await s.call('PUT', '/api/v1/catalogue/draft', { token: admin, body: { revision: opened.body.revision, catalogue: { categories: body.categories, indicators: body.indicators } } });
    expect(res.status).toBe(422);
    expect(res.body.error.errors.length).toBeGreaterThanOrEqual(2);
    expect(res.body.error.errors.map((e: { indicator: string }) => e.indicator)).toEqual(expect.arrayContaining(['HS-01', body.indicators[5].code]));
    const draft = await s.call('GET', '/api/v1/catalogue/draft', { token: admin });
    expect(draft.body.revision).toBe(opened.body.revision);
    expect(draft.body.indicators[0].points).toBe(opened.body.indicators[0].points);
    expect((await s.call('DELETE', '/api/v1/catalogue/draft', { token: admin })).status).toBe(204);
  });

  it('lets department staff edit only the indicators their department owns', async () => {
    const dept = await s.token('dept-org');
    const opened = await s.call('POST', '/api/v1/catalogue/draft', { token: dept, body: {} });
    expect(opened.status).toBe(201);
    const own = opened.body.indicators.find((i: { department: string }) => i.department === '组织部');
    const other = opened.body.indicators.find((i: { department: string }) => i.department !== '组织部');
    const mine = await s.call('PATCH', `/api/v1/catalogue/draft/indicators/${own.code}`, { token: dept, body: { revision: opened.body.revision, changes: { description: { zh: '修订说明', en: 'revised' } } } });
    expect(mine.status).toBe(200);
    const theirs = await s.call('PATCH', `/api/v1/catalogue/draft/indicators/${other.code}`, { token: dept, body: { revision: mine.body.revision, changes: { points: 1 } } });
    expect(theirs.status).toBe(403);
    const publish = await s.call('POST', '/api/v1/catalogue/draft/publish', { token: dept, body: { revision: mine.body.revision } });
    expect(publish.status).toBe(403);
    await s.call('DELETE', '/api/v1/catalogue/draft', { token: admin });
  });
});
