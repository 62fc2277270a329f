// E-mail notices over real SMTP: a loopback SMTP server receives what the outbox sends.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transaction } from '../../db/client';
import { loadDemoData } from '../../db/demo/load';
import { writeNotices } from '../../db/queries/notices';
import { deliverOne, emailSender } from '../../lib/outbox';
import { freshDatabase, type TestDatabase } from '../support/db';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

let db: TestDatabase;
let smtp: SMTPServer;
let smtpUrl: string;
const received: Mail[] = [];
let refuseNext = 0;

beforeAll(async () => {
  db = await freshDatabase();
  await loadDemoData(db.sql);
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuseNext > 0) {
          refuseNext -= 1;
          const err = new Error('mailbox busy') as Error & { responseCode: number };
          err.responseCode = 451;
          return done(err);
        }
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await db?.drop();
});

describe('e-mail notices', () => {
  it('writes one e-mail per recipient with an address, and delivers it over SMTP with the stable notice id; a refused send is retried', async () => {
    const sql = db.sql;
    await sql`update users set email = 'chair0001@example.org' where login = 'unit-0001'`;
    const [unit] = await sql<{ id: string }[]>`select id from orgs where code = 'FY-T01-U001'`;
    const event = {
      eventKey: `test-email-${Date.now()}`,
      kind: 'urge' as const,
      taskId: null,
      orgId: unit!.id,
      parties: ['unit' as const, 'township' as const],
      title: '【催办】2026年度计划',
      body: 'FY-T01-U001：HS-01 已过截止时间仍未完成，请抓紧办理。',
      link: 'http://127.0.0.1/api/v1/tasks',
    };
    // E-mail off: in-app notices only.
    await transaction(sql, (tx) => writeNotices(tx, { ...event, eventKey: `${event.eventKey}-off` }, { email: false }));
    expect(await sql`select 1 from notice_deliveries where event_key = ${`${event.eventKey}-off`}`).toHaveLength(0);

    const reached = await transaction(sql, (tx) => writeNotices(tx, event, { email: true }));
    // Written twice (a retried activity), still one of each.
    expect(await transaction(sql, (tx) => writeNotices(tx, event, { email: true }))).toBe(reached);
    expect(reached).toBeGreaterThanOrEqual(2); // the unit's chair and the township officer
    const deliveries = await sql<{ id: string; target: string }[]>`
      select id, target from notice_deliveries where event_key = ${event.eventKey} and channel = 'email'`;
    // Only the chair has an address in the demo data.
    expect(deliveries.map((d) => d.target)).toEqual(['chair0001@example.org']);

    refuseNext = 1;
    const send = { email: emailSender(smtpUrl, 'jianjia@example.org') };
    const opts = { retryBaseMs: 10, maxAttempts: 5 };
    expect(await deliverOne(sql, send, opts)).toBe(true);
    const [afterFailure] = await sql<{ status: string; attempts: number; lastError: string }[]>`
      select status, attempts, last_error as "lastError" from notice_deliveries where id = ${deliveries[0]!.id}`;
    expect(afterFailure).toMatchObject({ status: 'pending', attempts: 1 });
    expect(afterFailure!.lastError).toMatch(/451|busy/);
    await new Promise((r) => setTimeout(r, 30));
    expect(await deliverOne(sql, send, opts)).toBe(true);
    expect(await deliverOne(sql, send, opts)).toBe(false);

    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual(['chair0001@example.org']);
    expect(received[0]!.raw).toMatch(new RegExp(`^X-Jianjia-Notice-Id: ${deliveries[0]!.id}\\r?$`, 'im'));
    const [done] = await sql<{ status: string; attempts: number }[]>`select status, attempts from notice_deliveries where id = ${deliveries[0]!.id}`;
    expect(done).toEqual({ status: 'delivered', attempts: 2 });
  });
});
