import { createHash } from 'node:crypto';
import type { Digest } from '../../lib/notice-digest';
import type { Sql } from '../client';

/**
 * Who hears of an event: the org itself (a unit), its township (the district for a township's own duty), the
 * indicator's department, or the district admins of the org's district.
 */
export type Party = 'unit' | 'township' | 'department' | 'admins';
export type NoticeKind = 'remind' | 'warn' | 'supervise' | 'summons' | 'urge' | 'calendar' | 'need';

export interface NoticeEvent {
  /** Names the event; a notice lands once per (event, recipient) however often it is written. */
  eventKey: string;
  kind: NoticeKind;
  taskId: string | null;
  /** The org the event concerns (a unit, or a township for its own duties). */
  orgId: string;
  parties: Party[];
  /** Only with the `department` party. */
  department?: string;
  title: string;
  body: string;
  link: string | null;
}

export interface Channels {
  /** Write e-mail deliveries (SMTP is configured). */
  email: boolean;
}

/**
 * Write one event's notices into the outbox: an in-app notice per recipient user, a webhook delivery
 * per recipient org with a URL, an e-mail per recipient with an address when e-mail is on. Call it
 * inside the transaction of the change that causes it. Returns how many people it reaches.
 */
export function writeNotices(tx: Sql, e: NoticeEvent, channels: Channels): Promise<number> {
  return writeNoticeBatch(tx, [e], channels);
}

type Recipient = { userId: string; orgId: string; email: string | null; districtId: string };

/** Who hears of an event about `orgId`: see Party. */
function recipientsOf(tx: Sql, orgId: string, parties: Party[], department: string | null): Promise<Recipient[]> {
  return tx<Recipient[]>`
    with subject as (select id, level, township_id, district_id from orgs where id = ${orgId})
    select distinct u.id as "userId", u.org_id as "orgId", u.email, s.district_id as "districtId"
    from subject s join users u on u.active
    left join orgs uo on uo.id = u.org_id
    where (${parties.includes('unit')} and u.org_id = s.id)
       or (${parties.includes('township')} and s.level = 'grassroots' and u.org_id = s.township_id and u.role = 'township_officer')
       or (${parties.includes('township')} and s.level = 'township' and u.org_id = s.district_id and u.role = 'district_admin')
       or (${parties.includes('department')} and u.role = 'department_staff' and u.department = ${department}
           and uo.district_id = s.district_id)
       or (${parties.includes('admins')} and u.role = 'district_admin' and uo.district_id = s.district_id)`;
}

/** Rows a statement may carry: postgres takes at most 65,535 parameters, and a notice row has 8. */
const rowsPerStatement = 4000;
const inChunks = <T>(rows: T[]) => Array.from({ length: Math.ceil(rows.length / rowsPerStatement) }, (_, i) => rows.slice(i * rowsPerStatement, (i + 1) * rowsPerStatement));

export interface NoticeBatchOptions {
  /** Only these events (by event key) get outside deliveries, e.g. the rungs written now; all of them when absent. */
  deliverOnly?: ReadonlySet<string>;
  /**
   * Where two or more events of one kind in this batch are bound for the same webhook or address, one delivery for
   * them all, whose text `digest` writes from those events and the org the target belongs to. It is keyed by the
   * events it covers, so writing the same batch again adds nothing.
   */
  digest?: (events: NoticeEvent[], targetOrgId: string) => Digest;
}

type DeliveryRow = { event_key: string; district_id: string; org_id: string; target: string; channel: string; subject: string; content: string };

/**
 * writeNotices for many events at once (a unit's rungs falling due together): one recipients query per distinct
 * (org, parties, department), then one statement each for the notices, the webhooks and the deliveries, instead
 * of four statements an event. Returns how many notices it wrote (one per event and recipient).
 */
export async function writeNoticeBatch(tx: Sql, events: NoticeEvent[], channels: Channels, options: NoticeBatchOptions = {}): Promise<number> {
  // Who hears an event depends on its department only when the department's staff are among its parties.
  const audience = (e: NoticeEvent) => `${e.orgId}|${[...e.parties].sort().join(',')}|${e.parties.includes('department') ? (e.department ?? '') : ''}`;
  const heard = new Map<string, Recipient[]>();
  for (const e of events) {
    const key = audience(e);
    if (!heard.has(key)) heard.set(key, await recipientsOf(tx, e.orgId, e.parties, e.department ?? null));
  }
  const reached = events.map((e) => ({ e, recipients: heard.get(audience(e))! })).filter((x) => x.recipients.length > 0);
  if (reached.length === 0) return 0;
  const notices = reached.flatMap(({ e, recipients }) =>
    recipients.map((r) => ({ event_key: e.eventKey, user_id: r.userId, org_id: r.orgId, kind: e.kind, task_id: e.taskId, title: e.title, body: e.body, link: e.link })),
  );
  for (const rows of inChunks(notices)) await tx`insert into notices ${tx(rows)} on conflict (event_key, user_id) do nothing`;
  const delivered = options.deliverOnly ? reached.filter(({ e }) => options.deliverOnly!.has(e.eventKey)) : reached;
  if (delivered.length === 0) return notices.length;
  const orgIds = [...new Set(delivered.flatMap(({ recipients }) => recipients.map((r) => r.orgId)))];
  const hooks = new Map(
    (await tx<{ orgId: string; url: string }[]>`select id as "orgId", webhook_url as url from orgs where id in ${tx(orgIds)} and webhook_url is not null`).map((h) => [h.orgId, h.url]),
  );
  const perEvent = delivered.flatMap(({ e, recipients }) => {
    const content = `${e.title}\n${e.body}${e.link ? `\n${e.link}` : ''}`;
    const base = { event_key: e.eventKey, district_id: recipients[0]!.districtId, subject: e.title, content };
    const hookOrgs = [...new Set(recipients.map((r) => r.orgId))].filter((id) => hooks.has(id));
    return [
      ...hookOrgs.map((id) => ({ e, row: { ...base, org_id: id, target: hooks.get(id)!, channel: 'webhook' } })),
      ...(channels.email ? recipients.filter((r) => r.email).map((r) => ({ e, row: { ...base, org_id: r.orgId, target: r.email!, channel: 'email' } })) : []),
    ];
  });
  const deliveries = options.digest ? digested(perEvent, options.digest) : perEvent.map((d) => d.row);
  for (const rows of inChunks(deliveries)) await tx`insert into notice_deliveries ${tx(rows)} on conflict (event_key, channel, target) do nothing`;
  return notices.length;
}

/** One row per (channel, target, kind): a lone event keeps its own delivery, two or more become a digest. */
function digested(perEvent: { e: NoticeEvent; row: DeliveryRow }[], digest: NonNullable<NoticeBatchOptions['digest']>): DeliveryRow[] {
  const groups = new Map<string, { e: NoticeEvent; row: DeliveryRow }[]>();
  const seen = new Set<string>();
  for (const d of perEvent) {
    const key = `${d.row.channel}|${d.row.target}|${d.e.kind}`;
    // A set, not a search of the group: a township's robot hears of thousands of events in one wave.
    if (seen.has(`${key}|${d.e.eventKey}`)) continue;
    seen.add(`${key}|${d.e.eventKey}`);
    const group = groups.get(key);
    if (group) group.push(d);
    else groups.set(key, [d]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    if (group.length === 1) return first.row;
    const covered = group.map((g) => g.e.eventKey).sort();
    const text = digest(group.map((g) => g.e), first.row.org_id);
    return { ...first.row, event_key: `${first.e.kind}:digest:${createHash('sha256').update(covered.join('\n')).digest('hex').slice(0, 32)}`, subject: text.subject, content: text.content };
  });
}

/** Beijing time for notice texts: 2026-11-30 18:00. */
export function beijingTime(at: Date | string): string {
  const d = new Date(new Date(at).getTime() + 8 * 3600_000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}
