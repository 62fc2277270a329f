import type { CurrentUser } from '../../lib/user';
import { orgScopeCondition } from '../scope';
import { invalid } from '../../lib/errors';
import type { Sql } from '../client';

/** One stored evidence file: the bytes live on disk, this row says what they are and whose. */
export interface Upload {
  id: string;
  sha256: string;
  size: number;
  contentType: string;
  filename: string;
  orgId: string;
  uploadedBy: string;
  createdAt: Date;
}

export type NewUpload = Omit<Upload, 'createdAt'>;

// size is bigint; evidence files are far below 2^53 bytes, so a JS number is exact.
const columns = (sql: Sql) => sql`
  u.id, u.sha256, u.size::float8 as size, u.content_type as "contentType", u.filename,
  u.org_id as "orgId", u.uploaded_by as "uploadedBy", u.created_at as "createdAt"`;

/** Record an upload whose bytes are already in place; returns the stored row. */
export async function insertUpload(sql: Sql, upload: NewUpload): Promise<Upload> {
  const [row] = await sql<Upload[]>`
    insert into uploads as u (id, sha256, size, content_type, filename, org_id, uploaded_by)
    values (${upload.id}, ${upload.sha256}, ${upload.size}, ${upload.contentType}, ${upload.filename}, ${upload.orgId}, ${upload.uploadedBy})
    returning ${columns(sql)}`;
  return row!;
}

/** One upload if its org lies inside the caller's subtree; undefined otherwise, whether or not it exists. */
export async function findUploadInScope(sql: Sql, user: CurrentUser, id: string): Promise<Upload | undefined> {
  const [row] = await sql<Upload[]>`
    select ${columns(sql)} from uploads u join orgs o on o.id = u.org_id
    where u.id = ${id} and ${orgScopeCondition(sql, user)}`;
  return row;
}

/** Refuse (422 naming `evidence[n]`) any id that is not an upload of `orgId`. */
export async function checkEvidence(sql: Sql, ids: string[] | undefined, orgId: string, field = 'evidence') {
  if (!ids?.length) return;
  const known = await sql<{ id: string }[]>`select id from uploads where id in ${sql(ids)} and org_id = ${orgId}`;
  const ok = new Set(known.map((k) => k.id));
  ids.forEach((id, n) => {
    if (!ok.has(id)) throw invalid(`${field}[${n}]`, 'no such upload of this unit');
  });
}
