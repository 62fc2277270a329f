import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';

let s: DemoStack;
let admin: string;
beforeAll(async () => {
  s = await startDemoStack();
  admin = await s.token('district');
});
afterAll(async () => s?.stop());

const orgCount = async () => Number((await s.db.sql`select count(*)::int as n from orgs`)[0]!.n);

function upload(name: string, content: string | ArrayBuffer, type: string) {
  const form = new FormData();
  form.set('file', new Blob([content], { type }), name);
  return form;
}

describe('reading the tree', () => {
  it('shows the district all 24 townships in order and pages through its units', async () => {
    const townships = await s.call('GET', '/api/v1/orgs?level=township&limit=100', { token: admin });
    expect(townships.body.items).toHaveLength(24);
    expect(townships.body.items[0].name).toBe('富春街道总工会');
    expect(townships.body.items[23].name).toBe('新桐乡总工会');

    const seen = new Set<string>();
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { body: { items: { code: string }[]; nextCursor: string | null } } = await s.call('GET', `/api/v1/orgs?level=grassroots&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
      for (const o of page.body.items) seen.add(o.code);
      cursor = page.body.nextCursor;
    }
    expect(seen.size).toBeGreaterThanOrEqual(240);
  });

  it('shows a township officer only their own township and its units', async () => {
    const t2 = await s.orgId('FY-T02');
    const res = await s.call('GET', '/api/v1/orgs?limit=500', { token: await s.token('township-02') });
    expect(res.body.items.length).toBeGreaterThan(5);
    for (const o of res.body.items) expect(o.townshipId).toBe(t2);
    const other = await s.call('GET', `/api/v1/orgs/${await s.orgId('FY-T03-U001')}`, { token: await s.token('township-02') });
    expect(other.status).toBe(404);
  });

  it('shows a grassroots chair only their own unit', async () => {
    const res = await s.call('GET', '/api/v1/orgs?limit=500', { token: await s.token('unit-0001') });
    expect(res.body.items.map((o: { code: string }) => o.code)).toEqual(['FY-T01-U001']);
    const neighbour = await s.call('GET', `/api/v1/orgs/${await s.orgId('FY-T01-U002')}`, { token: await s.token('unit-0001') });
    expect(neighbour.status).toBe(404);
  });

  it('derives the size class from the member count', async () => {
    const id = await s.orgId('FY-T01-U003');
    const before = (await s.call('GET', `/api/v1/orgs/${id}`, { token: admin })).body;
    const res = await s.call('PATCH', `/api/v1/orgs/${id}`, { token: admin, body: { revision: before.revision, members: 1500, femaleMembers: 10 } });
    expect(res.status).toBe(200);
    expect(res.body.sizeClass).toBe('large');
    const small = await s.call('PATCH', `/api/v1/orgs/${id}`, { token: admin, body: { revision: res.body.revision, members: 20, femaleMembers: 10 } });
    expect(small.body.sizeClass).toBe('micro');
  });
});

describe('changing the tree', () => {
  it('lets a township officer add a unit to their township but not to another', async () => {
    const officer = await s.token('township-04');
    const own = await s.call('POST', '/api/v1/orgs', { token: officer, body: { code: 'FY-T04-N001', name: '鹿山街道新材料公司工会', level: 'grassroots', parentId: await s.orgId('FY-T04'), unitType: 'enterprise', members: 80, femaleMembers: 30 } });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ level: 'grassroots', sizeClass: 'small', townshipId: await s.orgId('FY-T04') });
    const foreign = await s.call('POST', '/api/v1/orgs', { token: officer, body: { code: 'FY-T05-N001', name: '外镇工会', level: 'grassroots', parentId: await s.orgId('FY-T05'), unitType: 'enterprise', members: 80 } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toMatch(/your own township/);
  });

  it('refuses more women than members, naming the field, and writes nothing', async () => {
    const before = await orgCount();
    const res = await s.call('POST', '/api/v1/orgs', { token: admin, body: { code: 'FY-T01-N009', name: '测试工会', level: 'grassroots', parentId: await s.orgId('FY-T01'), unitType: 'institution', members: 10, femaleMembers: 11 } });
    expect(res.status).toBe(422);
    expect(res.body.error.field).toBe('femaleMembers');
    expect(await orgCount()).toBe(before);
  });

  it('moves, merges and dissolves units, closing the accounts of units that leave', async () => {
    const unit = await s.orgId('FY-T06-U001');
    const read = (await s.call('GET', `/api/v1/orgs/${unit}`, { token: admin })).body;
    const moved = await s.call('POST', `/api/v1/orgs/${unit}/move`, { token: admin, body: { revision: read.revision, townshipId: await s.orgId('FY-T07') } });
    expect(moved.status).toBe(200);
    expect(moved.body.townshipId).toBe(await s.orgId('FY-T07'));
    const staleMove = await s.call('POST', `/api/v1/orgs/${unit}/move`, { token: admin, body: { revision: read.revision, townshipId: await s.orgId('FY-T06') } });
    expect(staleMove.status).toBe(409);

    const officer = await s.token('township-07');
    const [chair] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${unit}`;
    const chairToken = await s.token(chair!.login);
    const merged = await s.call('POST', `/api/v1/orgs/${unit}/merge`, { token: officer, body: { revision: moved.body.revision, intoId: await s.orgId('FY-T07-U001') } });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ status: 'merged', mergedInto: await s.orgId('FY-T07-U001') });
    expect((await s.call('GET', '/api/v1/me', { token: chairToken })).status).toBe(401);

    const victim = await s.orgId('FY-T07-U002');
    const v = (await s.call('GET', `/api/v1/orgs/${victim}`, { token: officer })).body;
    const dissolved = await s.call('POST', `/api/v1/orgs/${victim}/dissolve`, { token: officer, body: { revision: v.revision, reason: '企业注销' } });
    expect(dissolved.body.status).toBe('dissolved');
    const trail = await s.db.sql`select action, to_state from audit_log where subject_id = ${victim}`;
    expect(trail).toEqual([{ action: 'org.dissolve', to_state: 'dissolved' }]);
  });
});

describe('bulk import', () => {
  const header = 'code,name,type,township,members,female_members\n';

  it('reports every bad row of a CSV and imports nothing', async () => {
    const before = await orgCount();
    const csv = `\uFEFF${header}FY-T01-I001,"杭州某某科技有限公司工会",企业工会,富春街道,120,40\nFY-T01-I002,,企业工会,富春街道,50,10\nFY-T01-I003,坏行工会,企业工会,不存在镇,50,60\nFY-T01-U001,重复编码工会,企业工会,富春街道,30,3\n`;
    const res = await s.call('POST', '/api/v1/orgs/import', { token: admin, body: upload('units.csv', csv, 'text/csv') });
    expect(res.status).toBe(422);
    const errors = res.body.error.errors as { row: number; field: string }[];
    expect(errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ row: 3, field: 'name' }),
      expect.objectContaining({ row: 4, field: 'township' }),
      expect.objectContaining({ row: 4, field: 'female_members' }),
      expect.objectContaining({ row: 5, field: 'code' }),
    ]));
    expect(errors.some((e) => e.row === 2)).toBe(false);
    expect(await orgCount()).toBe(before);
  });

  it('imports a township\'s 150 units in one file, and the database plans its queries knowing they are there', async () => {
    // The planner's estimate of the district's grassroots units, as a query that filters on them sees it.
    const estimate = async () => {
      const [row] = await s.db.sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>`explain (format json) select id from orgs where level = 'grassroots'`;
      return row!['QUERY PLAN'][0].Plan['Plan Rows'];
    };
    const actual = async () => (await s.db.sql<{ n: number }[]>`select count(*)::int as n from orgs where level = 'grassroots'`)[0]!.n;
    const rows = Array.from({ length: 150 }, (_, i) => `FY-T03-B${String(i + 1).padStart(3, '0')},富春江第${i + 1}厂工会,enterprise,FY-T03,${40 + i},${10 + (i % 30)}`);
    const res = await s.call('POST', '/api/v1/orgs/import', { token: admin, body: upload('units.csv', `${header}${rows.join('\n')}\n`, 'text/csv') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ imported: 150, skipped: 0 });
    // Without fresh statistics a plan issued now would be dispatched with the old count in the planner's head.
    expect(await estimate()).toBe(await actual());
  });

  it('imports only the valid rows when asked to', async () => {
    const before = await orgCount();
    const csv = `${header}FY-T02-I001,春江街道某厂工会,enterprise,FY-T02,300,120\nFY-T02-I002,坏行,enterprise,FY-T02,-1,0\n`;
    const res = await s.call('POST', '/api/v1/orgs/import?validOnly=true', { token: admin, body: upload('units.csv', csv, 'text/csv') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ imported: 1, skipped: 1 });
    expect(await orgCount()).toBe(before + 1);
  });

  it('imports an XLSX with Chinese headers, and keeps a township officer to their own township', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('基层工会');
    sheet.addRow(['编码', '名称', '类型', '所属镇街', '会员数', '女会员数']);
    sheet.addRow(['FY-T03-I001', '东洲街道快递行业工会', '新业态工会', '东洲街道', 45, 5]);
    sheet.addRow(['FY-T03-I002', '越界工会', '企业工会', '万市镇', 45, 5]);
    const bytes = await book.xlsx.writeBuffer();
    const type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    const officer = await s.token('township-03');
    const refused = await s.call('POST', '/api/v1/orgs/import', { token: officer, body: upload('units.xlsx', bytes as ArrayBuffer, type) });
    expect(refused.status).toBe(422);
    expect(refused.body.error.errors).toEqual([expect.objectContaining({ row: 3, field: 'township', message: 'outside your township' })]);
    const partial = await s.call('POST', '/api/v1/orgs/import?validOnly=true', { token: officer, body: upload('units.xlsx', bytes as ArrayBuffer, type) });
    expect(partial.body.imported).toBe(1);
    const [row] = await s.db.sql`select unit_type, size_class from orgs where code = 'FY-T03-I001'`;
    expect(row).toEqual({ unit_type: 'new_employment', size_class: 'small' });
  });

  it('refuses a file that is neither CSV nor XLSX with 415', async () => {
    const res = await s.call('POST', '/api/v1/orgs/import', { token: admin, body: upload('units.xls', 'x', 'application/vnd.ms-excel') });
    expect(res.status).toBe(415);
    expect(res.body.error.message).toMatch(/\.csv.*\.xlsx/);
  });
});
