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
export async function writeNotices(tx: Sql, e: NoticeEvent, channels: Channels): Promise<number> {
  const recipients = await tx<{ userId: string; orgId: string; email: string | null; districtId: string }[]>`
    with subject as (select id, level, township_id, district_id from orgs where id = ${e.orgId})
    select distinct u.id as "userId", u.org_id as "orgId", u.email, s.district_id as "districtId"
    from subject s join users u on u.active
    left join orgs uo on uo.id = u.org_id
    where (${e.parties.includes('unit')} and u.org_id = s.id)
       or (${e.parties.includes('township')} and s.level = 'grassroots' and u.org_id = s.township_id and u.role = 'township_officer')
       or (${e.parties.includes('township')} and s.level = 'township' and u.org_id = s.district_id and u.role = 'district_admin')
       or (${e.parties.includes('department')} and u.role = 'department_staff' and u.department = ${e.department ?? null}
           and uo.district_id = s.district_id)
       or (${e.parties.includes('admins')} and u.role = 'district_admin' and uo.district_id = s.district_id)`;
  if (recipients.length === 0) return 0;
  const districtId = recipients[0]!.districtId;
  await tx`
    insert into notices ${tx(
      recipients.map((r) => ({ event_key: e.eventKey, user_id: r.userId, org_id: r.orgId, kind: e.kind, task_id: e.taskId, title: e.title, body: e.body, link: e.link })),
    )}
    on conflict (event_key, user_id) do nothing`;
  const orgIds = [...new Set(recipients.map((r) => r.orgId))];
  const content = `${e.title}\n${e.body}${e.link ? `\n${e.link}` : ''}`;
  const hooks = await tx<{ orgId: string; url: string }[]>`
    select id as "orgId", webhook_url as url from orgs where id in ${tx(orgIds)} and webhook_url is not null`;
  const deliveries = [
    ...hooks.map((h) => ({ org_id: h.orgId, target: h.url, channel: 'webhook' })),
    ...(channels.email ? recipients.filter((r) => r.email).map((r) => ({ org_id: r.orgId, target: r.email!, channel: 'email' })) : []),
  ];
  if (deliveries.length > 0) {
    await tx`
      insert into notice_deliveries ${tx(
        deliveries.map((d) => ({ ...d, event_key: e.eventKey, district_id: districtId, subject: e.title, content })),
      )}
      on conflict (event_key, channel, target) do nothing`;
  }
  return recipients.length;
}

/** Beijing time for notice texts: 2026-11-30 18:00. */
export function beijingTime(at: Date | string): string {
  const d = new Date(new Date(at).getTime() + 8 * 3600_000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}
