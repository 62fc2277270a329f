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

beforeAll(async () => {
  db = await freshDatabase();
  await loadDemoData(db.sql);
  robot = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
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
});
