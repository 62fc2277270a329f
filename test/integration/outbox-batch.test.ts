// The outbox in batches: a wave of webhook deliveries (one per unit, as a deadline passing for many units
// makes) goes out through a loopback robot, a batch sent at once per poll; each notice arrives exactly once by its
// id; a robot that refuses gets its delivery kept for a later try, the others are not held up by it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../db/demo/load';
import { deliverBatch, sendWebhook } from '../../lib/outbox';
import { freshDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let robot: Server;
let base: string;
const arrivals = new Map<string, number>(); // notice id → times received
let busyLeft = 0;

beforeAll(async () => {
  db = await freshDatabase();
  await loadDemoData(db.sql);
  robot = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // A robot over its rate: DingTalk's "send too fast" while `busyLeft` lasts, WeCom's "freq out of limit" for ever.
      if (req.url?.includes('always-busy') || (req.url?.endsWith('/busy') && busyLeft-- > 0)) {
        const answer = req.url.includes('always-busy') ? '{"errcode":45009,"errmsg":"api freq out of limit"}' : '{"errcode":130101,"errmsg":"send too fast"}';
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
        return;
      }
      if (req.url?.includes('refuses')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":310000,"errmsg":"keywords not in content"}');
        return;
      }
      const id = String(req.headers['x-jianjia-notice-id']);
      arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => robot.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(robot.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => robot?.close(() => resolve()));
  await db?.drop();
});

describe('the outbox sends a wave of notices in batches', () => {
  it('delivers a webhook per unit once each, in batches of 50, keeping a refused one for later', async () => {
    const sql = db.sql;
    const units = await sql<{ id: string; districtId: string }[]>`select id, district_id as "districtId" from orgs where level = 'grassroots' order by code`;
    expect(units.length).toBeGreaterThan(200);
    await sql`
      insert into notice_deliveries ${sql(
        units.map((u, i) => ({
          event_key: `wave-${i}`,
          org_id: u.id,
          district_id: u.districtId,
          channel: 'webhook',
          target: i === 7 ? `${base}/robot/refuses` : `${base}/robot/${i}`,
          subject: '预警',
          content: `【预警】任务已到截止时间 ${i}`,
        })),
      )}`;
    const opts = { retryBaseMs: 60_000, maxAttempts: 8 };
    const claimed: number[] = [];
    for (let n = await deliverBatch(sql, { webhook: (d) => sendWebhook(d) }, opts, undefined, 50); n > 0; n = await deliverBatch(sql, { webhook: (d) => sendWebhook(d) }, opts, undefined, 50)) claimed.push(n);
    expect(claimed.slice(0, -1).every((n) => n === 50)).toBe(true);
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(units.length);
    expect(arrivals.size).toBe(units.length - 1);
    expect([...arrivals.values()].every((times) => times === 1)).toBe(true);
    const rows = await sql<{ status: string; n: number }[]>`select status, count(*)::int as n from notice_deliveries where event_key like 'wave-%' group by status order by status`;
    expect(rows).toEqual([
      { status: 'delivered', n: units.length - 1 },
      { status: 'pending', n: 1 },
    ]);
    const [refused] = await sql<{ attempts: number; lastError: string; later: boolean }[]>`
      select attempts, last_error as "lastError", next_attempt_at > now() + interval '50 seconds' as later from notice_deliveries where event_key = 'wave-7'`;
    expect(refused).toMatchObject({ attempts: 1, later: true });
    expect(refused!.lastError).toContain('errcode 310000');
  });

  it('sends a throttled robot its messages again a minute later without using up an attempt, and gives up after a day of it', async () => {
    const sql = db.sql;
    const [unit] = await sql<{ id: string; districtId: string }[]>`select id, district_id as "districtId" from orgs where level = 'grassroots' order by code limit 1`;
    const row = (key: string, robot: string) => ({ event_key: key, org_id: unit!.id, district_id: unit!.districtId, channel: 'webhook', target: `${base}/robot/${robot}`, subject: '预警', content: `【预警】${key}` });
    // One attempt each: a real refusal would be dead at once, a throttled message is not.
    const opts = { retryBaseMs: 60_000, maxAttempts: 1 };
    // A robot that is always busy: its message waits the throttle window (a minute); one throttled for a day is given up.
    await sql`insert into notice_deliveries ${sql([row('busy-young', 'always-busy'), row('busy-old', 'always-busy')])}`;
    await sql`update notice_deliveries set created_at = now() - interval '25 hours', throttled_since = now() - interval '25 hours' where event_key = 'busy-old'`;
    expect(await deliverBatch(sql, { webhook: (d) => sendWebhook(d) }, { ...opts, throttleMs: 60_000 }, undefined, 50)).toBe(2);
    // A wave of 30 to a robot that throttles the first 25 requests, the window shortened to 10 ms.
    await sql`insert into notice_deliveries ${sql(Array.from({ length: 30 }, (_, i) => row(`busy-${i}`, 'busy')))}`;
    busyLeft = 25;
    const sendSoon = () => deliverBatch(sql, { webhook: (d) => sendWebhook(d) }, { ...opts, throttleMs: 10 }, undefined, 50);
    const busy = () => sql<{ key: string; id: string; status: string; attempts: number; lastError: string | null; later: boolean }[]>`
      select event_key as key, id, status, attempts, last_error as "lastError", next_attempt_at > now() + interval '50 seconds' as later
      from notice_deliveries where event_key like 'busy-%' order by event_key`;
    for (let i = 0; i < 40 && (await busy()).some((d) => /^busy-\d+$/.test(d.key) && d.status === 'pending'); i++) {
      await sendSoon();
      await new Promise((r) => setTimeout(r, 20));
    }
    const rows = await busy();
    const wave = rows.filter((d) => /^busy-\d+$/.test(d.key));
    expect(wave).toHaveLength(30);
    expect(busyLeft).toBeLessThan(0); // the robot did throttle 25 of them
    expect(wave.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastError === null)).toBe(true);
    expect(wave.every((d) => arrivals.get(d.id) === 1)).toBe(true);
    const young = rows.find((d) => d.key === 'busy-young')!;
    expect(young).toMatchObject({ status: 'pending', attempts: 0, later: true });
    // Throttled since now: a day before it is given up; the delivered ones carry no throttle any more.
    expect((await sql<{ since: boolean }[]>`select throttled_since > now() - interval '1 minute' as since from notice_deliveries where event_key = 'busy-young'`)[0]!.since).toBe(true);
    expect(await sql`select 1 from notice_deliveries where event_key ~ '^busy-[0-9]+$' and throttled_since is not null`).toHaveLength(0);
    expect(young.lastError).toContain('errcode 45009');
    const old = rows.find((d) => d.key === 'busy-old')!;
    expect(old).toMatchObject({ status: 'dead', attempts: 0 });
    expect(old.lastError).toContain('errcode 45009');
  });
});
