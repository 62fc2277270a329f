import { unitStanding, type Catalogue, type UnitStanding } from '../../indicators';
import type { Sql } from '../client';

// Published catalogue versions never change (a trigger refuses it), so each is read once per database. Keyed by the
// database's address and name, not by the sql object: every transaction is a new object.
const catalogues = new Map<string, Catalogue>();
const databaseOf = (sql: Sql) => {
  type Options = { host?: unknown; port?: unknown; database?: unknown };
  const o = (sql as unknown as { options?: Options; parentOptions?: Options }).options ?? (sql as unknown as { parentOptions?: Options }).parentOptions;
  return o?.database ? `${String(o.host)}:${String(o.port)}/${String(o.database)}` : null;
};

/** A published catalogue version's body, cached. */
export async function publishedCatalogue(sql: Sql, version: number): Promise<Catalogue> {
  const db = databaseOf(sql);
  const key = db ? `${db}#${version}` : null;
  const hit = key ? catalogues.get(key) : undefined;
  if (hit) return hit;
  const [row] = await sql<{ body: Catalogue; status: string }[]>`select body, status from catalogue_versions where version = ${version}`;
  if (!row) throw new Error(`catalogue version ${version} not found`);
  if (key && row.status === 'published') catalogues.set(key, row.body);
  return row.body;
}

/**
 * Recompute the standing of these units in a plan and store it. Call it in the transaction of the change
 * that moved one of their tasks, so the index is never behind the task. Township orgs have no index.
 */
export async function refreshUnitIndex(tx: Sql, planId: string, orgIds: readonly string[]): Promise<void> {
  if (orgIds.length === 0) return;
  const [plan] = await tx<{ catalogueVersion: number; status: string }[]>`
    select catalogue_version as "catalogueVersion", status from plans where id = ${planId}`;
  if (!plan) return;
  const catalogue = await publishedCatalogue(tx, plan.catalogueVersion);
  const tasks = await tx<{ orgId: string; townshipId: string; districtId: string; code: string; state: string; points: number | null }[]>`
    select t.org_id as "orgId", t.township_id as "townshipId", t.district_id as "districtId", t.indicator as code, t.state,
      t.points::float8 as points
    from tasks t join orgs o on o.id = t.org_id
    where t.plan_id = ${planId} and t.org_id in ${tx(orgIds as string[])} and o.level = 'grassroots'`;
  const byUnit = new Map<string, (typeof tasks)[number][]>();
  for (const t of tasks) byUnit.set(t.orgId, [...(byUnit.get(t.orgId) ?? []), t]);
  const final = plan.status === 'closing' || plan.status === 'closed';
  const rows = [...byUnit.values()].map((list) => indexRow(planId, list[0]!, unitStanding(catalogue, list, { final })));
  await storeIndexRows(tx, rows);
}

/** Write index rows, replacing what was there (in chunks: each row takes 15 of a statement's 65,535 parameters). */
export async function storeIndexRows(tx: Sql, rows: ReturnType<typeof indexRow>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await tx`
      insert into unit_index ${tx(rows.slice(i, i + 1000))}
      on conflict (plan_id, org_id) do update set categories = excluded.categories, total = excluded.total, band = excluded.band,
        provisional = excluded.provisional, failed_gates = excluded.failed_gates, coverage = excluded.coverage,
        applicable_points = excluded.applicable_points, evaluated_points = excluded.evaluated_points,
        applicable_tasks = excluded.applicable_tasks, approved_tasks = excluded.approved_tasks,
        not_dispatched = excluded.not_dispatched, updated_at = now()`;
  }
}

/** The unit_index row for a standing. */
export function indexRow(planId: string, unit: { orgId: string; townshipId: string; districtId: string }, s: UnitStanding) {
  return {
    plan_id: planId,
    org_id: unit.orgId,
    township_id: unit.townshipId,
    district_id: unit.districtId,
    categories: s.categories,
    total: s.total,
    band: s.band,
    provisional: s.provisional,
    failed_gates: s.failedGates,
    coverage: s.coverage,
    applicable_points: s.applicablePoints,
    evaluated_points: s.evaluatedPoints,
    applicable_tasks: s.applicableTasks,
    approved_tasks: s.approvedTasks,
    not_dispatched: s.notDispatched,
  };
}
