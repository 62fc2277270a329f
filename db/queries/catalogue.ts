import { defaultCatalogue, type Catalogue } from '../../indicators';
import type { Sql } from '../client';

export interface CatalogueVersion {
  version: number;
  status: 'draft' | 'published';
  body: Catalogue;
  note: string | null;
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
  revision: number;
}

const columns = (sql: Sql) => sql`
  version, status, body, note, created_at as "createdAt", updated_at as "updatedAt",
  published_at as "publishedAt", revision`;

/** Version 1 is the default catalogue of the brief; written once, on a database that has none. */
export async function ensureDefaultCatalogue(sql: Sql): Promise<boolean> {
  const rows = await sql`
    insert into catalogue_versions (version, status, body, note, published_at)
    select 1, 'published', ${sql.json(defaultCatalogue as never)}, '默认目录 default catalogue', now()
    where not exists (select 1 from catalogue_versions)
    returning version`;
  return rows.length > 0;
}

/** The newest published version. */
export async function currentCatalogue(sql: Sql): Promise<CatalogueVersion | undefined> {
  const [row] = await sql<CatalogueVersion[]>`
    select ${columns(sql)} from catalogue_versions where status = 'published' order by version desc limit 1`;
  return row;
}

export async function catalogueVersion(sql: Sql, version: number): Promise<CatalogueVersion | undefined> {
  const [row] = await sql<CatalogueVersion[]>`select ${columns(sql)} from catalogue_versions where version = ${version}`;
  return row;
}

export async function listCatalogueVersions(sql: Sql) {
  return sql<Omit<CatalogueVersion, 'body'>[]>`
    select version, status, note, created_at as "createdAt", updated_at as "updatedAt",
      published_at as "publishedAt", revision,
      jsonb_array_length(body->'indicators') as "indicatorCount"
    from catalogue_versions order by version desc`;
}

export async function currentDraft(sql: Sql): Promise<CatalogueVersion | undefined> {
  const [row] = await sql<CatalogueVersion[]>`select ${columns(sql)} from catalogue_versions where status = 'draft'`;
  return row;
}

/** Open a draft copied from the newest published version; undefined when a draft already exists. */
export async function openDraft(sql: Sql, userId: string, note: string | null): Promise<CatalogueVersion | undefined> {
  const [row] = await sql<CatalogueVersion[]>`
    insert into catalogue_versions (version, status, body, note, created_by)
    select coalesce(max(version), 0) + 1, 'draft',
      (select body from catalogue_versions where status = 'published' order by version desc limit 1),
      ${note}, ${userId}
    from catalogue_versions
    on conflict do nothing
    returning ${columns(sql)}`;
  return row;
}

/** Replace the draft's body if nobody changed it since `revision`; undefined when stale or gone. */
export async function saveDraft(sql: Sql, version: number, revision: number, body: Catalogue, note: string | null | undefined) {
  const [row] = await sql<CatalogueVersion[]>`
    update catalogue_versions set body = ${sql.json(body as never)}, note = coalesce(${note ?? null}, note),
      revision = revision + 1, updated_at = now()
    where version = ${version} and status = 'draft' and revision = ${revision}
    returning ${columns(sql)}`;
  return row;
}

/** Freeze the draft as a published version. */
export async function publishDraft(sql: Sql, version: number, revision: number, userId: string) {
  const [row] = await sql<CatalogueVersion[]>`
    update catalogue_versions set status = 'published', published_at = now(), published_by = ${userId}, updated_at = now()
    where version = ${version} and status = 'draft' and revision = ${revision}
    returning ${columns(sql)}`;
  return row;
}

export async function discardDraft(sql: Sql, version: number) {
  const rows = await sql`delete from catalogue_versions where version = ${version} and status = 'draft' returning version`;
  return rows.length > 0;
}
