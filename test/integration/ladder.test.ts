// The guidance ladder (提醒、预警、督办、约谈) end to end on the real Temporal dev server and real
// PostgreSQL: second-scale offsets, notices to the right people in the right order, task and org
// lights, the numbered supervision order and the summons, webhook delivery to a loopback robot with a
// retry, dead letters and their manual retry, 催办, a deadline in a year without calendar data (provisional), and
// one robot message per wave for a unit's tasks due together.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireRungs } from '../../activities/ladder';
import { calendar as shippedCalendar } from '../../lib/calendar';
import { robotTextBytes } from '../../lib/notice-digest';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';
import { waitUntil } from '../support/wait';

const MAX_ATTEMPTS = 4;

/** A group robot on a loopback port that records every request; `status(n)` answers request n (0-based). */
interface Hit {
  path: string;
  noticeId: string | undefined;
  body: unknown;
  status: number;
}
interface Robot {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}
async function startRobot(status: (n: number) => number): Promise<Robot> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      const code = status(hits.length);
      const header = req.headers['x-jianjia-notice-id'];
      hits.push({ path: req.url ?? '', noticeId: Array.isArray(header) ? header[0] : header, body, status: code });
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(code === 200 ? JSON.stringify({ errcode: 0, errmsg: 'ok' }) : JSON.stringify({ errcode: -1, errmsg: 'robot is down' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Notice = { id: string; kind: string; taskId: string | null; title: string; body: string; link: string | null; createdAt: string; readAt: string | null };
type Light = 'green' | 'blue' | 'yellow' | 'red';

let s: DemoStack;
let worker: { stop(): Promise<void> } | undefined;
let robot: Robot;
let brokenRobot: Robot;
let robotRepaired = false;
let district: string;
let officer: string;
let chair1: string;
let chair2: string;
let dept: string;
let township1: string;
let unit1: string;
let unit2: string;
let unit1Name: string;
let planId: string;
let taskId: string;
/** The two webhook URLs of the working robot, one per org (a delivery is unique per event and URL). */
let unitHook: string;
let townshipHook: string;

/** The year of an instant in Beijing time. */
const beijingYear = (at: number) => new Date(at + 8 * 3600_000).getUTCFullYear();

async function notices(token: string, query = ''): Promise<{ items: Notice[]; unread: number }> {
  const res = await s.call('GET', `/api/v1/notices?limit=200${query}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}
/** Kinds of the caller's notices about one task, oldest first. */
async function kinds(token: string, task = taskId): Promise<string[]> {
  return (await notices(token)).items
    .filter((n) => n.taskId === task)
    .map((n) => n.kind)
    .reverse();
}

/** The unit's task as its township sees it, with the light counts of the township's whole inbox for the plan. */
async function township(): Promise<{ light: Light; lights: Record<Light, number>; items: { id: string; light: Light }[] }> {
  const res = await s.call('GET', `/api/v1/tasks?planId=${planId}&limit=500`, { token: officer });
  expect(res.status).toBe(200);
  const task = res.body.items.find((t: { id: string }) => t.id === taskId);
  return { light: task.light, lights: res.body.lights, items: res.body.items };
}
const lightIs = (light: Light) => async () => (await township()).light === light;

async function setWebhook(orgId: string, webhookUrl: string) {
  const org = await s.call('GET', `/api/v1/orgs/${orgId}`, { token: district });
  expect(org.status).toBe(200);
  const res = await s.call('PATCH', `/api/v1/orgs/${orgId}`, { token: district, body: { revision: org.body.revision, webhookUrl } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.webhookUrl).toBe(webhookUrl);
}

beforeAll(async () => {
  s = await startDemoStack({ NOTICE_POLL_MS: '100', NOTICE_RETRY_BASE_MS: '300', NOTICE_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
  worker = await startWorker(s, { outbox: true });
  district = await s.token('district');
  officer = await s.token('township-01');
  chair1 = await s.token('unit-0001');
  chair2 = await s.token('unit-0002');
  dept = await s.token('dept-org');
  township1 = await s.orgId('FY-T01');
  unit1 = await s.orgId('FY-T01-U001');
  unit2 = await s.orgId('FY-T01-U002');
  const [u] = await s.db.sql<{ name: string }[]>`select name from orgs where id = ${unit1}`;
  unit1Name = u!.name;
  // The very first request fails; every later one is accepted.
  robot = await startRobot((n) => (n === 0 ? 500 : 200));
  // Down until the test repairs it.
  brokenRobot = await startRobot(() => (robotRepaired ? 200 : 500));
  unitHook = `${robot.url}/robot/unit-0001`;
  townshipHook = `${robot.url}/robot/township-01`;
  await setWebhook(unit1, unitHook);
  await setWebhook(township1, townshipHook);
});

afterAll(async () => {
  await worker?.stop();
  await robot?.close();
  await brokenRobot?.close();
  await s?.stop();
});

describe('the guidance ladder on real Temporal and PostgreSQL', () => {
  it('climbs remind → warn → supervise → summons for a late task, telling the right people and lighting the task, unit and township', { timeout: 180_000 }, async () => {
    const planDeadline = new Date(Date.now() + 10 * 60_000);
    const created = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: {
        year: beijingYear(planDeadline.getTime()),
        name: '督导阶梯测试',
        deadline: planDeadline.toISOString(),
        indicators: ['HS-01'],
        escalation: { remindBefore: 'PT20S', warnAfter: 'PT0S', superviseAfter: 'PT20S', orderResponse: 'PT15S', summonsAfter: 'P3D' },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    planId = created.body.id;
    const issued = await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district });
    expect(issued.status).toBe(200);

    // Only unit 1 is dispatched, with an earlier deadline set now, so issue and dispatch never eat into the rungs:
    // remind at D − 20 s, warn at D, order at D + 20 s, summons if unanswered at D + 35 s: each light lasts 15–20 s, so it is
    // seen even when the suite's other files load both cores (a worker late by more than the gap fires two rungs in one batch).
    const deadline = new Date(Date.now() + 25_000).toISOString();
    const dispatched = await s.call('POST', `/api/v1/plans/${planId}/dispatch`, {
      token: officer,
      body: { units: [unit1], overrides: [{ unitId: unit1, indicator: 'HS-01', deadline }] },
    });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    expect(dispatched.body).toMatchObject({ dispatchedUnits: 1, dispatchedTasks: 1 });
    const mine = await s.call('GET', `/api/v1/tasks?planId=${planId}`, { token: chair1 });
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0]).toMatchObject({ indicator: 'HS-01', state: 'dispatched', deadline, light: 'green' });
    taskId = mine.body.items[0].id;

    const full = ['remind', 'warn', 'supervise', 'summons'];
    // 提醒: the unit alone, the light turns blue.
    await waitUntil('the task light turns blue', lightIs('blue'), 45_000);
    expect((await kinds(chair1)).slice(0, 1)).toEqual(['remind']);
    expect(await kinds(officer)).toEqual([]);
    const blue = await township();
    expect(blue.lights.blue).toBe(1);
    expect(blue.lights.red ?? 0).toBe(0);
    expect(blue.lights.green).toBe(blue.items.length - 1);

    // 预警 at the deadline: the unit and its township, yellow.
    await waitUntil('the task light turns yellow', lightIs('yellow'), 45_000);
    expect((await kinds(chair1)).slice(0, 2)).toEqual(full.slice(0, 2));
    expect((await kinds(officer)).slice(0, 1)).toEqual(['warn']);
    expect((await township()).lights).toMatchObject({ yellow: 1, blue: 0 });
    // It came from the plan's shared ladder at the deadline, never before, and well before the unit's own timer for
    // it (the backstop, LADDER_BACKSTOP_MS after the unit's place in the deadline's spread).
    const [warned] = await s.db.sql<{ firedAt: Date }[]>`select fired_at as "firedAt" from ladder_rungs where task_id = ${taskId} and rung = 'warn'`;
    expect(warned!.firedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(deadline));
    expect(warned!.firedAt.getTime()).toBeLessThan(Date.parse(deadline) + s.env.LADDER_BACKSTOP_MS);

    // 督办: a numbered order, the department of the indicator hears of it too, red.
    await waitUntil('the task light turns red', lightIs('red'), 45_000);
    expect((await township()).lights).toMatchObject({ red: 1, yellow: 0, blue: 0 });
    const orders = await s.call('GET', `/api/v1/supervision-orders?planId=${planId}`, { token: officer });
    expect(orders.status).toBe(200);
    expect(orders.body.items).toHaveLength(1);
    const order = orders.body.items[0];
    expect(order.number).toMatch(/^富工督〔\d{4}〕\d+号$/);
    expect(order).toMatchObject({ taskId, orgId: unit1, orgName: unit1Name, indicator: 'HS-01', issuerOrgId: township1, taskDeadline: deadline, response: null });
    expect(['open', 'overdue']).toContain(order.status);
    expect(Date.parse(order.respondBy) - Date.parse(order.issuedAt)).toBe(15_000);
    expect(order.reason).toContain(unit1Name);
    expect((await s.call('GET', '/api/v1/supervision-orders', { token: chair1 })).body.items.map((o: { id: string }) => o.id)).toEqual([order.id]);
    expect((await s.call('GET', '/api/v1/supervision-orders', { token: chair2 })).body.items).toEqual([]);

    // 约谈 once the answer is overdue.
    let summons: any;
    await waitUntil(
      'a summons after the unanswered order',
      async () => {
        const res = await s.call('GET', `/api/v1/summons?planId=${planId}`, { token: officer });
        summons = res.body.items[0];
        return res.body.items.length > 0;
      },
      30_000,
    );
    expect(summons).toMatchObject({ orderId: order.id, orderNumber: order.number, taskId, orgId: unit1, outcome: null, summoned: `${unit1Name}负责人` });
    expect(summons.place).toContain('会议室');
    expect(new Date(Date.parse(summons.proposedAt) + 8 * 3600_000).toISOString().slice(11, 16)).toBe('09:30');
    expect((await s.call('GET', `/api/v1/supervision-orders/${order.id}`, { token: officer })).body.status).toBe('overdue');
    await waitUntil('the summons notices', async () => (await kinds(officer)).includes('summons'), 10_000);

    // Who heard what, in order (the API lists newest first).
    const unitNotices = (await notices(chair1)).items;
    expect(unitNotices.map((n) => n.kind)).toEqual([...full].reverse());
    expect((await notices(officer)).items.map((n) => n.kind)).toEqual(['summons', 'supervise', 'warn']);
    expect((await notices(dept)).items.map((n) => n.kind)).toEqual(['supervise']);
    expect((await notices(chair2)).items).toEqual([]);
    expect((await notices(district)).items).toEqual([]);
    for (const n of unitNotices) {
      expect(n.taskId).toBe(taskId);
      expect(`${n.title}${n.body}`).toMatch(/[\u4e00-\u9fff]/);
      expect(n.body, n.kind).toContain(unit1Name);
      expect(n.body, n.kind).toContain('HS-01');
      expect(n.link, n.kind).toMatch(new RegExp(`^https?://.+/api/v1/tasks/${taskId}$`));
      expect(n.readAt).toBeNull();
    }
    const byKind = Object.fromEntries(unitNotices.map((n) => [n.kind, n]));
    expect(byKind.remind!.title).toContain('提醒');
    expect(byKind.warn!.title).toContain('预警');
    expect(byKind.supervise!.title).toContain(order.number);
    expect(byKind.summons!.title).toContain('约谈');
    expect(byKind.summons!.body).toContain(order.number);
    const times = unitNotices.map((n) => Date.parse(n.createdAt)).reverse();
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // The org listing and the leaders' screen show the unit and its township red.
    const units = await s.call('GET', `/api/v1/orgs?planId=${planId}&level=grassroots&townshipId=${township1}&limit=500`, { token: district });
    expect(units.status).toBe(200);
    const unitRow = units.body.items.find((o: { id: string }) => o.id === unit1);
    expect(unitRow.light).toEqual({ light: 'red', counts: { green: 0, blue: 0, yellow: 0, red: 1 } });
    expect(units.body.items.find((o: { id: string }) => o.id === unit2).light.light).toBe('green');
    const screen = await s.call('GET', `/api/v1/plans/${planId}/lights`, { token: district });
    expect(screen.status).toBe(200);
    expect(screen.body.townships.find((t: { id: string }) => t.id === township1).light.light).toBe('red');
    expect(screen.body.townships.filter((t: { light: { light: Light } }) => t.light.light !== 'green')).toHaveLength(1);
    expect(screen.body.overall.light).toBe('red');
    expect(screen.body.overall.counts.red).toBe(1);

    // The district records the talk; the order is still unanswered, so the light stays red.
    expect((await s.call('POST', `/api/v1/summons/${summons.id}/outcome`, { token: officer, body: { outcome: '镇街代为记录' } })).status).toBe(403);
    const outcome = await s.call('POST', `/api/v1/summons/${summons.id}/outcome`, { token: district, body: { outcome: '已约谈单位负责人，承诺三日内完成整改' } });
    expect(outcome.status, JSON.stringify(outcome.body)).toBe(200);
    expect(outcome.body.outcome).toMatchObject({ text: '已约谈单位负责人，承诺三日内完成整改', by: 'district' });
    expect((await s.call('POST', `/api/v1/summons/${summons.id}/outcome`, { token: district, body: { outcome: '再记一次' } })).status).toBe(409);
    expect((await township()).light).toBe('red');

    // Only the unit answers its order, once; then the light falls back to yellow (it was warned).
    expect((await s.call('POST', `/api/v1/supervision-orders/${order.id}/respond`, { token: officer, body: { text: '镇街代答' } })).status).toBe(403);
    const answered = await s.call('POST', `/api/v1/supervision-orders/${order.id}/respond`, { token: chair1, body: { text: '已完成整改并补报材料' } });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body).toMatchObject({ status: 'answered', response: { text: '已完成整改并补报材料', by: 'unit-0001' } });
    const again = await s.call('POST', `/api/v1/supervision-orders/${order.id}/respond`, { token: chair1, body: { text: '再答一次' } });
    expect(again.status).toBe(409);
    const settled = await township();
    expect(settled.light).toBe('yellow');
    expect(settled.lights).toMatchObject({ red: 0, yellow: 1 });
    const after = await s.call('GET', `/api/v1/plans/${planId}/lights`, { token: district });
    expect(after.body.townships.find((t: { id: string }) => t.id === township1).light.light).toBe('yellow');

    // Read one notice: the unread filter and count leave it out; nobody else can mark it.
    const remind = byKind.remind!;
    const before = await notices(chair1, '&unread=true');
    expect(before.unread).toBe(4);
    expect((await s.call('POST', `/api/v1/notices/${remind.id}/read`, { token: officer })).status).toBe(404);
    const read = await s.call('POST', `/api/v1/notices/${remind.id}/read`, { token: chair1 });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(remind.id);
    const unread = await notices(chair1, '&unread=true');
    expect(unread.unread).toBe(3);
    expect(unread.items.map((n) => n.id)).not.toContain(remind.id);
    expect(unread.items.map((n) => n.kind)).toEqual(['summons', 'supervise', 'warn']);
    expect((await notices(chair1)).items.find((n) => n.id === remind.id)!.readAt).not.toBeNull();
  });

  it('delivers every notice to the orgs’ robots once, retrying the one the robot refused', { timeout: 30_000 }, async () => {
    const ours = () => s.db.sql<{ id: string; target: string; status: string; attempts: number; content: string }[]>`
      select id, target, status, attempts, content from notice_deliveries where channel = 'webhook' order by created_at, id`;
    await waitUntil('every webhook delivery settled', async () => (await ours()).every((d) => d.status !== 'pending'), 20_000);
    const rows = await ours();
    // The unit hears all four rungs; its township warn, supervise and summons; the district's department has no robot.
    expect(rows.filter((d) => d.target === unitHook)).toHaveLength(4);
    expect(rows.filter((d) => d.target === townshipHook)).toHaveLength(3);
    expect(rows.every((d) => d.status === 'delivered')).toBe(true);

    const hits = robot.hits;
    expect(hits.length).toBe(rows.length + 1);
    for (const h of hits) {
      expect(h.noticeId, h.path).toMatch(/^[0-9a-f-]{36}$/);
      expect(h.body).toEqual({ msgtype: 'text', text: { content: expect.any(String) } });
    }
    const accepted = hits.filter((h) => h.status === 200).map((h) => h.noticeId!);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(new Set(accepted)).toEqual(new Set(rows.map((d) => d.id)));
    const failed = hits[0]!;
    expect(failed.status).toBe(500);
    expect(accepted).toContain(failed.noticeId);
    expect(rows.find((d) => d.id === failed.noticeId)!.attempts).toBe(2);
    expect(rows.filter((d) => d.id !== failed.noticeId).every((d) => d.attempts === 1)).toBe(true);

    for (const h of hits) {
      const row = rows.find((d) => d.id === h.noticeId)!;
      expect(h.path).toBe(new URL(row.target).pathname);
      const content = (h.body as { text: { content: string } }).text.content;
      expect(content).toBe(row.content);
      expect(content).toContain(unit1Name);
      expect(content).toContain(`/api/v1/tasks/${taskId}`);
    }
    const unitTitles = hits.filter((h) => h.status === 200 && h.path === '/robot/unit-0001').map((h) => (h.body as { text: { content: string } }).text.content.split('\n')[0]);
    expect(unitTitles.map((t) => t!.slice(0, 4))).toEqual(['【提醒】', '【预警】', '【督办】', '【约谈】']);
  });

  it('gives up on a robot that keeps failing, lists the dead letter for the district only, and sends it again on request; 催办 reaches each late unit once', { timeout: 60_000 }, async () => {
    await setWebhook(unit2, `${brokenRobot.url}/robot/unit-0002`);
    // A quiet policy on a plan of its own, so unit 2's lateness only reminds it (warning weeks later).
    const planDeadline = new Date(Date.now() + 10 * 60_000);
    const created = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: {
        year: beijingYear(planDeadline.getTime()),
        name: '催办测试',
        deadline: planDeadline.toISOString(),
        indicators: ['HS-03'],
        escalation: { remindBefore: 'PT0S', warnAfter: 'P30D', superviseAfter: 'P60D', orderResponse: 'P7D', summonsAfter: 'P3D' },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const quietPlan = created.body.id;
    expect((await s.call('POST', `/api/v1/plans/${quietPlan}/issue`, { token: district })).status).toBe(200);
    const noLateYet = await s.call('POST', `/api/v1/plans/${quietPlan}/urge`, { token: officer, body: {} });
    expect(noLateYet.body).toEqual({ units: 0, tasks: 0, recipients: 0 });

    const deadline = new Date(Date.now() + 3_000).toISOString();
    const dispatched = await s.call('POST', `/api/v1/plans/${quietPlan}/dispatch`, { token: officer, body: { units: [unit2], overrides: [{ unitId: unit2, indicator: 'HS-03', deadline }] } });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    const [task2] = (await s.call('GET', `/api/v1/tasks?planId=${quietPlan}`, { token: chair2 })).body.items;
    // The remind falls at the deadline itself: once it is there, the task is late.
    await waitUntil('unit 2 reminded at its deadline', async () => (await kinds(chair2, task2.id)).includes('remind'), 20_000);
    await waitUntil('the deadline passed for PostgreSQL too', async () => {
      const [row] = await s.db.sql<{ late: boolean }[]>`select deadline < now() as late from tasks where id = ${task2.id}`;
      return row!.late;
    }, 5_000);

    // 催办 from the township: one notice to every user of each late unit (not to unit 1: it is in another plan).
    expect((await s.call('POST', `/api/v1/plans/${quietPlan}/urge`, { token: chair2, body: {} })).status).toBe(403);
    const users = (await s.db.sql<{ n: number }[]>`select count(*)::int as n from users where org_id = ${unit2} and active`)[0]!.n;
    const key = { 'idempotency-key': 'urge-quiet-plan-1' };
    const urged = await s.call('POST', `/api/v1/plans/${quietPlan}/urge`, { token: officer, body: { message: '请于本周内完成' }, headers: key });
    expect(urged.status, JSON.stringify(urged.body)).toBe(200);
    expect(urged.body).toEqual({ units: 1, tasks: 1, recipients: users });
    const urges = (await notices(chair2, '&kind=urge')).items;
    expect(urges).toHaveLength(1);
    expect(urges[0]!.title).toContain('催办');
    expect(urges[0]!.body).toContain('HS-03');
    expect(urges[0]!.body).toContain('请于本周内完成');
    expect(urges[0]!.link).toContain(`/api/v1/tasks?planId=${quietPlan}&unitId=${unit2}`);
    expect((await notices(chair1, '&kind=urge')).items).toEqual([]);
    const replay = await s.call('POST', `/api/v1/plans/${quietPlan}/urge`, { token: officer, body: { message: '请于本周内完成' }, headers: key });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(urged.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await notices(chair2, '&kind=urge')).items).toHaveLength(1);
    // The API died after writing the notices and before storing its answer: the retry writes none twice.
    await s.db.sql`delete from idempotency_keys where key = ${key['idempotency-key']}`;
    const urgedAgain = await s.call('POST', `/api/v1/plans/${quietPlan}/urge`, { token: officer, body: { message: '请于本周内完成' }, headers: key });
    expect([urgedAgain.status, urgedAgain.body]).toEqual([200, urged.body]);
    expect((await notices(chair2, '&kind=urge')).items).toHaveLength(1);
    expect((await s.db.sql<{ n: number }[]>`select count(*)::int as n from audit_log where action = 'plan.urge' and subject_id = ${quietPlan} and summary->>'units' = '1'`)[0]!.n).toBe(1);
    const urgeRows = () => s.db.sql<{ id: string; status: string; attempts: number }[]>`
      select id, status, attempts from notice_deliveries where event_key like 'urge:%'`;
    expect(await urgeRows()).toHaveLength(1);

    // The robot keeps refusing: dead after the last attempt, with as many requests as attempts.
    await waitUntil('the urge delivery is dead', async () => (await urgeRows())[0]!.status === 'dead', 20_000);
    const [dead] = await urgeRows();
    expect(dead!.attempts).toBe(MAX_ATTEMPTS);
    expect(brokenRobot.hits.filter((h) => h.noticeId === dead!.id).map((h) => h.status)).toEqual(Array(MAX_ATTEMPTS).fill(500));

    expect((await s.call('GET', '/api/v1/notice-deliveries?status=dead', { token: officer })).status).toBe(403);
    const listed = await s.call('GET', '/api/v1/notice-deliveries?status=dead', { token: district });
    expect(listed.status).toBe(200);
    expect(listed.body.items.every((d: { status: string }) => d.status === 'dead')).toBe(true);
    const item = listed.body.items.find((d: { id: string }) => d.id === dead!.id);
    expect(item).toMatchObject({ orgId: unit2, channel: 'webhook', target: `${brokenRobot.url}/robot/unit-0002`, status: 'dead', attempts: MAX_ATTEMPTS, nextAttemptAt: null, deliveredAt: null });
    expect(item.subject).toContain('催办');
    expect(item.lastError).toContain('HTTP 500');
    // Nothing from the first plan's robots is dead.
    expect(listed.body.items.filter((d: { target: string }) => d.target.startsWith(robot.url))).toEqual([]);

    // Repaired robot, manual retry: back to pending from the first attempt, then delivered.
    expect((await s.call('POST', `/api/v1/notice-deliveries/${dead!.id}/retry`, { token: officer })).status).toBe(403);
    robotRepaired = true;
    const retried = await s.call('POST', `/api/v1/notice-deliveries/${dead!.id}/retry`, { token: district });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ id: dead!.id, status: 'pending' });
    await waitUntil('the retried delivery goes through', async () => (await urgeRows())[0]!.status === 'delivered', 10_000);
    expect((await urgeRows())[0]!.attempts).toBe(1);
    expect(brokenRobot.hits.filter((h) => h.noticeId === dead!.id).map((h) => h.status)).toEqual([...Array(MAX_ATTEMPTS).fill(500), 200]);
    expect((await s.call('POST', `/api/v1/notice-deliveries/${dead!.id}/retry`, { token: district })).status).toBe(404);
  });

  it('re-arms every dispatched unit when the district changes the policy, and refuses a policy an open task’s deadline cannot meet', { timeout: 60_000 }, async () => {
    const unit3 = await s.orgId('FY-T01-U003');
    const chair3 = await s.token('unit-0003');
    const planDeadline = new Date(Date.now() + 10 * 60_000);
    const quiet = { remindBefore: 'PT1S', warnAfter: 'P30D', superviseAfter: 'P60D', orderResponse: 'P7D', summonsAfter: 'P3D' };
    const created = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: { year: beijingYear(planDeadline.getTime()), name: '政策调整测试', deadline: planDeadline.toISOString(), indicators: ['HS-03'], escalation: quiet },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const plan = created.body.id;
    expect((await s.call('POST', `/api/v1/plans/${plan}/issue`, { token: district })).status).toBe(200);
    expect((await s.call('POST', `/api/v1/plans/${plan}/dispatch`, { token: officer, body: { units: [unit3] } })).status).toBe(200);
    const [task] = (await s.call('GET', `/api/v1/tasks?planId=${plan}`, { token: chair3 })).body.items;
    expect(task.light).toBe('green');

    // Remind a day ahead instead of a second: the reminder is due at once, without any new deadline.
    const changed = await s.call('PUT', `/api/v1/plans/${plan}/escalation`, { token: district, body: { ...quiet, remindBefore: 'P1D' } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.rearmedUnits).toBe(1);
    await waitUntil('the re-armed reminder', async () => (await kinds(chair3, task.id)).includes('remind'), 20_000);
    expect((await s.call('GET', `/api/v1/tasks/${task.id}`, { token: chair3 })).body.light).toBe('blue');

    // Every open task's deadline gets the new policy, not only the plan's: a 2026 plan whose task was extended
    // into 2028 counts that year Monday–Friday (its holidays are not entered) and says so.
    const unit4 = await s.orgId('FY-T01-U004');
    const far = { remindBefore: 'PT1S', warnAfter: 'P1000D', superviseAfter: 'P1001D', orderResponse: 'P7D', summonsAfter: 'P3D' };
    const old = await s.call('POST', '/api/v1/plans', { token: district, body: { year: 2026, name: '延期测试', deadline: '2026-06-30T10:00:00.000Z', indicators: ['HS-03'], escalation: far } });
    expect(old.status, JSON.stringify(old.body)).toBe(201);
    expect(old.body.provisionalYears).toEqual([]);
    expect((await s.call('POST', `/api/v1/plans/${old.body.id}/issue`, { token: district })).status).toBe(200);
    expect((await s.call('POST', `/api/v1/plans/${old.body.id}/dispatch`, { token: officer, body: { units: [unit4] } })).status).toBe(200);
    const [late] = (await s.call('GET', `/api/v1/tasks?planId=${old.body.id}&unitId=${unit4}`, { token: officer })).body.items;
    const extended = await s.call('POST', `/api/v1/tasks/${late.id}/extend`, { token: officer, body: { deadline: '2028-06-30T02:00:00.000Z', reason: '单位改制，延期至改制完成' } });
    expect(extended.status, JSON.stringify(extended.body)).toBe(200);
    expect(extended.body.deadline).toBe('2028-06-30T02:00:00.000Z');
    const working = await s.call('PUT', `/api/v1/plans/${old.body.id}/escalation`, { token: district, body: { ...far, remindBefore: { workingDays: 1 } } });
    expect(working.status, JSON.stringify(working.body)).toBe(200);
    expect((await s.call('GET', `/api/v1/plans/${old.body.id}`, { token: district })).body.provisionalYears).toEqual([2028]);
    const ladder = (await s.call('GET', `/api/v1/tasks/${late.id}`, { token: officer })).body.ladder;
    // Thu 29 June 2028 is the working day before Fri 30 June, counted Monday–Friday.
    expect([ladder.remind, ladder.provisional, ladder.provisionalYears]).toEqual(['2028-06-29T02:00:00.000Z', true, [2028]]);
  });

  it('tells each robot once per wave of a unit’s tasks due together, naming them all, and a replayed wave tells nobody twice', { timeout: 90_000 }, async () => {
    const unit5 = await s.orgId('FY-T01-U005');
    const chair5 = await s.token('unit-0005');
    const unit5Name = (await s.db.sql<{ name: string }[]>`select name from orgs where id = ${unit5}`)[0]!.name;
    const unit5Hook = `${robot.url}/robot/unit-0005`;
    await setWebhook(unit5, unit5Hook);
    const codes = ['HS-01', 'HS-02', 'HS-03'];
    const planDeadline = new Date(Date.now() + 10 * 60_000);
    const created = await s.call('POST', '/api/v1/plans', {
      token: district,
      body: {
        year: beijingYear(planDeadline.getTime()),
        name: '合并通知测试',
        deadline: planDeadline.toISOString(),
        indicators: codes,
        escalation: { remindBefore: 'PT10S', warnAfter: 'PT0S', superviseAfter: 'P30D', orderResponse: 'P7D', summonsAfter: 'P3D' },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const plan = created.body.id;
    expect((await s.call('POST', `/api/v1/plans/${plan}/issue`, { token: district })).status).toBe(200);
    const deadline = new Date(Date.now() + 20_000).toISOString();
    const dispatched = await s.call('POST', `/api/v1/plans/${plan}/dispatch`, {
      token: officer,
      body: { units: [unit5], overrides: codes.map((indicator) => ({ unitId: unit5, indicator, deadline })) },
    });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    const tasks = (await s.call('GET', `/api/v1/tasks?planId=${plan}`, { token: chair5 })).body.items as { id: string; indicator: string }[];
    expect(tasks.map((t) => t.indicator).sort()).toEqual(codes);
    const ids = tasks.map((t) => t.id);

    await waitUntil('all three warnings recorded', async () => {
      const [row] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from ladder_rungs where task_id in ${s.db.sql(ids)} and rung = 'warn'`;
      return row!.n === 3;
    }, 60_000);
    const theirs = () => s.db.sql<{ id: string; target: string; eventKey: string; status: string; subject: string; content: string }[]>`
      select id, target, event_key as "eventKey", status, subject, content from notice_deliveries
      where channel = 'webhook' and (target = ${unit5Hook} or (target = ${townshipHook} and content like ${`%${unit5Name}%`}))
      order by created_at, id`;
    await waitUntil('the wave’s robot messages settled', async () => (await theirs()).every((d) => d.status !== 'pending'), 20_000);
    const rows = await theirs();
    // The unit's robot: one reminder and one warning for its three tasks; the township's robot: the warning.
    const kindOf = (d: { content: string }) => d.content.slice(0, 4);
    expect(rows.filter((d) => d.target === unit5Hook).map(kindOf).sort()).toEqual(['【提醒】', '【预警】']);
    expect(rows.filter((d) => d.target === townshipHook).map(kindOf)).toEqual(['【预警】']);
    for (const d of rows) {
      expect(d.status).toBe('delivered');
      expect(d.eventKey).toMatch(/^(remind|warn):digest:[0-9a-f]{32}$/);
      const lines = d.content.split('\n');
      expect(lines[0]).toContain(`${unit5Name}有 3 项任务`);
      expect(lines.slice(1, 4).map((l) => l.split(' ')[0])).toEqual(codes);
      // The unit's chairs open their task list on the phone, the township's officers the console's.
      expect(lines.at(-1)).toMatch(d.target === unit5Hook ? /^https?:\/\/[^/]+\/m\/$/ : /^https?:\/\/[^/]+\/tasks$/);
      expect(Buffer.byteLength(d.content)).toBeLessThanOrEqual(robotTextBytes);
      // The robot received it once, as stored.
      const got = robot.hits.filter((h) => h.noticeId === d.id);
      expect(got.map((h) => h.status)).toEqual([200]);
      expect((got[0]!.body as { text: { content: string } }).text.content).toBe(d.content);
    }
    // In the app each task keeps its own notices: the chair has a reminder and a warning per task, the officer a warning.
    for (const id of ids) {
      expect(await kinds(chair5, id)).toEqual(['remind', 'warn']);
      expect(await kinds(officer, id)).toEqual(['warn']);
    }

    // The wave again (a worker lost its workflow task after the rungs were written): nothing is written or sent twice.
    const deps = { sql: s.db.sql, calendar: shippedCalendar, channels: { email: false }, publicUrl: 'http://127.0.0.1' };
    const hitsBefore = robot.hits.length;
    const noticesBefore = (await s.db.sql<{ n: number }[]>`select count(*)::int as n from notices where task_id in ${s.db.sql(ids)}`)[0]!.n;
    const again = await fireRungs(deps, { planId: plan, at: new Date().toISOString(), rungs: ids.map((taskId) => ({ taskId, rung: 'warn' as const, deadline })), overdueOrders: [] });
    expect(again.failed?.rungs ?? []).toEqual([]);
    expect(await theirs()).toHaveLength(rows.length);
    expect((await s.db.sql<{ n: number }[]>`select count(*)::int as n from notices where task_id in ${s.db.sql(ids)}`)[0]!.n).toBe(noticesBefore);
    await new Promise((r) => setTimeout(r, 500));
    expect(robot.hits.length).toBe(hitsBefore);
  });
});
