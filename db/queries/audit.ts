import type { CurrentUser } from '../../lib/user';
import type { Sql } from '../client';

export interface AuditEntry {
  actor: Pick<CurrentUser, 'id' | 'login'> | null;
  action: string;
  subjectType: string;
  subjectId: string;
  fromState?: string | null;
  toState?: string | null;
  summary?: Record<string, unknown>;
  /** Makes the line once-only: a second entry with the same key is not written. */
  eventKey?: string;
}

/** Append to the audit log (the table refuses edits and deletes). Call inside the change's transaction. */
export async function appendAudit(sql: Sql, entry: AuditEntry) {
  await sql`
    insert into audit_log (actor_id, actor_login, action, subject_type, subject_id, from_state, to_state, summary, event_key)
    values (${entry.actor?.id ?? null}, ${entry.actor?.login ?? 'system'}, ${entry.action}, ${entry.subjectType},
      ${entry.subjectId}, ${entry.fromState ?? null}, ${entry.toState ?? null}, ${sql.json((entry.summary ?? {}) as never)}, ${entry.eventKey ?? null})
    on conflict (event_key) where event_key is not null do nothing`;
}

/** The audit trail of one subject, oldest first. */
export async function auditTrail(sql: Sql, subjectType: string, subjectId: string) {
  return sql`
    select id, at, actor_login as "actor", action, from_state as "fromState", to_state as "toState", summary
    from audit_log where subject_type = ${subjectType} and subject_id = ${subjectId} order by id`;
}
