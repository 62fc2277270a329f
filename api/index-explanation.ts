// One unit's 建家 index explained indicator by indicator: target and where it came from, value, points earned and
// lost and why, evidence and review decisions. Used by the JSON endpoint and the Excel export alike.
import type { Sql } from '../db/client';
import { explainedTasks, rankedUnits, type RankedUnit } from '../db/queries/standing';
import { publishedCatalogue } from '../db/queries/unit-index';
import { sizeClassOf, taskPoints, type Indicator, type UnitType } from '../indicators';
import { notFound } from '../lib/errors';
import type { CurrentUser } from '../lib/user';
import { sliceFor, standingPlan, type StandingPlan } from './standing-scope';

/** A ranked unit as the API shows it. */
export const presentUnit = (u: RankedUnit) => {
  const { unitType: _t, sizeClass: _s, ...rest } = u;
  return rest;
};

/** Where a task's target came from. */
function targetSource(plan: StandingPlan, indicator: Indicator, unit: { unitType: string | null; members: number | null }, target: number) {
  const sizeClass = unit.members === null ? undefined : sizeClassOf(unit.members);
  const bySize = sizeClass ? indicator.targets.bySizeClass?.[sizeClass] : undefined;
  const byType = unit.unitType ? indicator.targets.byUnitType?.[unit.unitType as UnitType] : undefined;
  const district = plan.targets[indicator.code] ?? bySize ?? byType ?? indicator.targets.default;
  if (target !== district) return 'township_override' as const;
  if (plan.targets[indicator.code] !== undefined) return 'district_plan' as const;
  if (bySize !== undefined) return 'size_class' as const;
  if (byType !== undefined) return 'unit_type' as const;
  return 'default' as const;
}

/** The explanation of one unit's index, checked against the caller's scope. */
export async function explain(sql: Sql, user: CurrentUser, planId: string, orgId: string) {
  const plan = await standingPlan(sql, user, planId);
  const slice = sliceFor(user);
  // A chair reads only their own unit; anyone else's is the same 404 as a unit that does not exist.
  if (slice.orgId && slice.orgId !== orgId) throw notFound('unit index');
  const [unit] = await rankedUnits(sql, plan.id, { ...slice, orgId });
  if (!unit) throw notFound('unit index');
  const [org] = await sql<{ unitType: string | null; members: number | null }[]>`select unit_type as "unitType", members from orgs where id = ${orgId}`;
  const catalogue = await publishedCatalogue(sql, plan.catalogueVersion);
  const byCode = new Map(catalogue.indicators.map((i) => [i.code, i]));
  // After a newer version's targets were adopted, the open tasks follow its rules; those evaluated before, the plan's.
  const adopted = plan.targetsVersion ? new Map((await publishedCatalogue(sql, plan.targetsVersion)).indicators.map((i) => [i.code, i])) : null;
  const sourceOf = (indicator: Indicator, target: number) => {
    const profile = org ?? { unitType: null, members: null };
    const first = targetSource(plan, indicator, profile, target);
    const rules = adopted?.get(indicator.code);
    return first === 'township_override' && rules ? targetSource(plan, rules, profile, target) : first;
  };
  const final = plan.status === 'closing' || plan.status === 'closed';
  const now = Date.now();
  const indicators = (await explainedTasks(sql, plan.id, orgId))
    .filter((t) => byCode.has(t.indicator))
    .map((t) => {
      const indicator = byCode.get(t.indicator)!;
      const points = taskPoints(indicator, { state: t.state, points: t.points, deadlinePassed: new Date(t.deadline).getTime() < now }, { final });
      return {
        taskId: t.id,
        code: t.indicator,
        name: indicator.name.zh,
        category: indicator.category,
        gate: indicator.gate,
        state: t.state,
        target: t.target,
        targetSource: sourceOf(indicator, t.target),
        value: t.value,
        points: t.points,
        ...points,
        exitReason: t.exitReason,
        evidence: t.evidence,
        reviews: t.reviews.map((r) => ({
          at: new Date(r.at).toISOString(),
          by: r.by,
          action: r.action,
          reason: typeof r.summary.reason === 'string' ? r.summary.reason : null,
          points: typeof r.summary.points === 'number' ? r.summary.points : null,
        })),
      };
    });
  return { unit: presentUnit(unit), indicators };
}
