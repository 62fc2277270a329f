// 需求上报、分析研判 through the HTTP API: three small joint unions raise the same difficulty with HX-01, their
// township merges two, asks for more, forwards; the district sees the pattern grouped; resolving tells every raiser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';

let s: DemoStack;
let district: string;
let officer: string;
let township: { id: string; code: string; officer: string };
let chairs: { login: string; orgId: string; code: string }[];
const ids: string[] = [];

beforeAll(async () => {
  s = await startDemoStack();
  district = await s.token('district');
  // Three joint unions of one township, made small (under 25 members) for this story.
  const rows = await s.db.sql<{ login: string; orgId: string; code: string; townshipId: string; townshipCode: string }[]>`
    select u.login, o.id as "orgId", o.code, o.township_id as "townshipId", t.code as "townshipCode"
    from orgs o join users u on u.org_id = o.id and u.role = 'grassroots_chair' join orgs t on t.id = o.township_id
    where o.unit_type in ('joint_regional', 'joint_trade') and o.status = 'active'
      and o.township_id = (select township_id from orgs where unit_type in ('joint_regional', 'joint_trade') and status = 'active'
                           group by township_id having count(*) >= 3 order by township_id limit 1)
    order by o.code limit 3`;
  for (const [n, r] of rows.entries()) await s.db.sql`update orgs set members = ${18 + 2 * n}, female_members = 5 where id = ${r.orgId}`;
  expect(rows).toHaveLength(3);
  chairs = rows;
  const [officerRow] = await s.db.sql<{ login: string }[]>`select login from users where org_id = ${rows[0]!.townshipId} and role = 'township_officer'`;
  township = { id: rows[0]!.townshipId, code: rows[0]!.townshipCode, officer: officerRow!.login };
  officer = await s.token(township.officer);
});
afterAll(async () => s?.stop());

async function ok(method: string, url: string, token: string, body?: unknown, status = 200) {
  const res = await s.call(method, `/api/v1${url}`, { token, body });
  if (res.status !== status) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}
const noticesOf = async (login: string) => ((await ok('GET', '/notices', await s.token(login))).items as { kind: string; title: string; body: string }[]).filter((n) => n.kind === 'need');

describe('the needs loop: raise, sift, forward, resolve', () => {
  it('numbers each need and lets each chair see only their own', async () => {
    for (const chair of chairs) {
      const token = await s.token(chair.login);
      const form = new FormData();
      form.set('file', new Blob([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1])], { type: 'image/jpeg' }), '会议室照片.jpg');
      const photo = (await ok('POST', '/uploads', token, form, 201)).id;
      const need = await ok('POST', '/needs', token, {
        kind: 'difficulty',
        indicators: ['HX-01'],
        title: '小微联合工会难以单独召开职代会',
        body: `本单位会员不足25人（${chair.code}），单独召开职工代表大会难度大，建议允许以区域联合形式召开。`,
        attachments: [photo],
        urgency: 'urgent',
      }, 201);
      expect(need).toMatchObject({ state: 'open', kind: 'difficulty', indicators: ['HX-01'], urgency: 'urgent' });
      expect(need.number).toMatch(/^富工需〔\d{4}〕\d+号$/);
      ids.push(need.id);
    }
    expect(new Set(ids).size).toBe(3);
    const mine = await ok('GET', '/needs', await s.token(chairs[0]!.login));
    expect(mine.items.map((n: { id: string }) => n.id)).toEqual([ids[0]]);
    expect((await s.call('GET', `/api/v1/needs/${ids[1]}`, { token: await s.token(chairs[0]!.login) })).status).toBe(404);
    const queue = await ok('GET', '/needs?state=open&order=oldest', officer);
    expect(queue.items.map((n: { id: string }) => n.id)).toEqual(ids);
    // Another township's officer sees none of them.
    const other = await s.db.sql<{ login: string }[]>`select login from users where role = 'township_officer' and org_id <> ${township.id} limit 1`;
    expect((await ok('GET', '/needs', await s.token(other[0]!.login))).items).toEqual([]);
    expect((await s.call('GET', `/api/v1/needs/${ids[0]}`, { token: await s.token(other[0]!.login) })).status).toBe(404);
  });

  it('refuses bad needs with the field named, storing nothing', async () => {
    const token = await s.token(chairs[0]!.login);
    const before = (await s.db.sql<{ n: number }[]>`select count(*)::int as n from needs`)[0]!.n;
    const cases: [unknown, number, string][] = [
      [{ kind: 'difficulty', title: '  ', body: '内容' }, 400, 'body.title'],
      [{ kind: 'difficulty', title: '标题', body: 'a\u0000b' }, 400, 'body.body'],
      [{ kind: 'wish', title: '标题', body: '内容' }, 400, 'body.kind'],
      [{ kind: 'difficulty', title: '标题', body: '内容', indicators: ['XX-99'] }, 422, 'indicators[0]'],
      [{ kind: 'difficulty', title: '标题', body: '内容', attachments: ['00000000-0000-4000-8000-000000000000'] }, 422, 'attachments[0]'],
    ];
    for (const [body, status, field] of cases) {
      const res = await s.call('POST', '/api/v1/needs', { token, body });
      expect([res.status, res.body.error?.field], JSON.stringify(res.body)).toEqual([status, field]);
    }
    expect((await s.call('POST', '/api/v1/needs', { token: district, body: { kind: 'other', title: '标题', body: '内容' } })).status).toBe(403);
    expect((await s.db.sql<{ n: number }[]>`select count(*)::int as n from needs`)[0]!.n).toBe(before);
  });

  it('lets the township merge duplicates, ask for more, tag and forward; a chair may do none of it', async () => {
    const chair0 = await s.token(chairs[0]!.login);
    expect((await s.call('POST', `/api/v1/needs/${ids[1]}/merge`, { token: chair0, body: { into: ids[0] } })).status).toBe(403);
    expect((await s.call('POST', `/api/v1/needs/${ids[0]}/tag`, { token: chair0, body: { causes: ['x'] } })).status).toBe(403);

    const merged = await ok('POST', `/needs/${ids[1]}/merge`, officer, { into: ids[0] });
    expect(merged.merged.map((m: { id: string }) => m.id)).toEqual([ids[1]]);
    // The second chair now follows the merged need.
    const follows = await ok('GET', '/needs', await s.token(chairs[1]!.login));
    expect(follows.items.map((n: { id: string; state: string }) => [n.id, n.state]).sort()).toEqual([[ids[0], 'open'], [ids[1], 'merged']].sort());

    const asked = await ok('POST', `/needs/${ids[0]}/messages`, officer, { body: '请说明本年度会员人数及是否已与周边单位协商联合召开。', ask: true });
    expect(asked.state).toBe('needs_info');
    expect((await noticesOf(chairs[0]!.login)).map((n) => n.title)).toContain(`【需求回复】${asked.number}`);
    const answered = await ok('POST', `/needs/${ids[0]}/messages`, chair0, { body: '会员18人，已与邻近两家联合工会初步协商。' });
    expect(answered.state).toBe('open');

    const tagged = await ok('POST', `/needs/${ids[0]}/tag`, officer, { indicators: ['HX-01'], categories: ['HX'], causes: ['单位规模小'] });
    expect(tagged.tags).toEqual({ indicators: ['HX-01'], categories: ['HX'], causes: ['单位规模小'] });
    const forwarded = await ok('POST', `/needs/${ids[0]}/forward`, officer, { comment: '辖区小微联合工会普遍反映，建议区总对25人以下联合工会调整职代会指标。' });
    expect(forwarded.state).toBe('forwarded');
    expect((await s.call('POST', `/api/v1/needs/${ids[0]}/resolve`, { token: officer, body: { resolution: '镇里自行答复' } })).status).toBe(409);
    const thread = forwarded.thread.map((m: { kind: string; author: string }) => `${m.kind}:${m.author}`);
    expect(thread).toEqual(['system:system', 'ask:' + township.officer, 'message:' + chairs[0]!.login, 'message:' + township.officer]);
    expect((await noticesOf('district')).map((n) => n.title)).toContain(`【需求转报】${forwarded.number}`);
  });

  it('shows the district the pattern grouped by indicator, unit type, size class and township', async () => {
    const byIndicator = await ok('GET', '/needs/analysis?by=indicator', district);
    expect(byIndicator.groups).toEqual([{ key: 'HX-01', count: 1, urgent: 1, weeks: expect.any(Array) }]);
    expect(byIndicator.groups[0].weeks).toHaveLength(12);
    expect(byIndicator.groups[0].weeks[11]).toBe(1);
    const all = await ok('GET', '/needs/analysis?by=sizeClass&state=all', district);
    expect(all.groups).toEqual([{ key: 'micro', count: 2, urgent: 2, weeks: expect.any(Array) }]);
    expect((await s.call('GET', '/api/v1/needs/analysis', { token: officer })).status).toBe(403);
    // A group drills down to its needs, paged with the count of all.
    const micro = await ok('GET', '/needs?sizeClass=micro&limit=1', district);
    expect([micro.items.length, micro.total]).toEqual([1, 3]);
    const secondPage = await ok('GET', '/needs?sizeClass=micro&limit=1&offset=1', district);
    expect(secondPage.items[0].id).not.toBe(micro.items[0].id);
    expect((await ok('GET', '/needs?sizeClass=micro&offset=10', district)).total).toBe(3);
    expect((await ok('GET', '/needs?category=HX&state=forwarded', district)).items.map((n: { id: string }) => n.id)).toEqual([ids[0]]);
    expect((await ok('GET', '/needs?unitType=enterprise', district)).total).toBe(0);
  });

  it('resolves the merged need and tells each raiser; a resolved need takes no more replies', async () => {
    const resolved = await ok('POST', `/needs/${ids[0]}/resolve`, district, { resolution: '区总工会同意25人以下联合工会以区域联合职代会形式完成HX-01。' });
    expect(resolved.state).toBe('resolved');
    for (const chair of chairs.slice(0, 2)) {
      const notices = await noticesOf(chair.login);
      expect(notices.some((n) => n.title === `【需求办结】${resolved.number}`)).toBe(true);
    }
    expect(await noticesOf(chairs[2]!.login)).toEqual([]);
    const second = await ok('GET', `/needs/${ids[1]}`, await s.token(chairs[1]!.login));
    expect(second.state).toBe('resolved');
    expect((await s.call('POST', `/api/v1/needs/${ids[0]}/messages`, { token: await s.token(chairs[0]!.login), body: { body: '谢谢' } })).status).toBe(409);
    const audit = await s.db.sql<{ action: string }[]>`select action from audit_log where subject_type = 'need' and subject_id = ${ids[0]} order by id`;
    expect(audit.map((a) => a.action)).toEqual(['need.raise', 'need.ask', 'need.message', 'need.tag', 'need.forward', 'need.resolve']);
  });

  it('raises a keyed need once when the stored answer was lost or the same request raced itself, and keeps numbers gapless', async () => {
    const chair = chairs[2]!;
    const token = await s.token(chair.login);
    const body = { kind: 'suggestion', title: '建议增设职工书屋', body: '建议在联合工会服务站增设职工书屋。' };
    const headers = { 'idempotency-key': 'need-bookroom-1' };
    const first = await s.call('POST', '/api/v1/needs', { token, body, headers });
    expect(first.status).toBe(201);
    // The API died after writing the need and before storing its answer: the key is unknown, the need is there.
    await s.db.sql`delete from idempotency_keys where key = ${headers['idempotency-key']}`;
    const again = await s.call('POST', '/api/v1/needs', { token, body, headers });
    expect([again.status, again.body.id, again.body.number]).toEqual([201, first.body.id, first.body.number]);
    // Two identical requests at once with a fresh key: one need between them.
    const racing = { 'idempotency-key': 'need-bookroom-2' };
    const both = await Promise.all([1, 2].map(() => s.call('POST', '/api/v1/needs', { token, body, headers: racing })));
    expect(both.map((r) => r.status)).toEqual([201, 201]);
    expect(both[0]!.body.id).toBe(both[1]!.body.id);
    const mine = await s.db.sql<{ number: string }[]>`select number from needs where org_id = ${chair.orgId} and title = ${body.title} order by created_at`;
    expect(mine.map((n) => n.number)).toEqual([first.body.number, both[0]!.body.number]);
    // No number was spent by the attempts that found their need already raised.
    const seq = (n: string) => Number(/〕(\d+)号/.exec(n)![1]);
    expect(seq(both[0]!.body.number)).toBe(seq(first.body.number) + 1);
    // The same key on another request is still refused.
    const reused = await s.call('POST', '/api/v1/needs', { token, body: { ...body, title: '另一件事' }, headers: racing });
    expect(reused.status).toBe(422);
  });
});
