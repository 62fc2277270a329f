// What an operator filters workflows by in the Temporal Web UI: plan, year, township, unit and unit type.
// The names and types live in config/temporal/search-attributes.json, read also by the scripts that start
// Temporal (the dev server's --search-attribute flags); here they become typed keys for starting workflows.
import type { Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import declared from '../config/temporal/search-attributes.json';

export const planIdKey = defineSearchAttributeKey('JianjiaPlanId', SearchAttributeType.KEYWORD);
export const yearKey = defineSearchAttributeKey('JianjiaYear', SearchAttributeType.INT);
export const townshipCodeKey = defineSearchAttributeKey('JianjiaTownshipCode', SearchAttributeType.KEYWORD);
export const unitCodeKey = defineSearchAttributeKey('JianjiaUnitCode', SearchAttributeType.KEYWORD);
export const unitTypeKey = defineSearchAttributeKey('JianjiaUnitType', SearchAttributeType.KEYWORD);

/** Every key above, so a test can hold them against the JSON file the scripts read. */
export const searchAttributeKeys = [planIdKey, yearKey, townshipCodeKey, unitCodeKey, unitTypeKey];

/** The declared attributes (name → Temporal type name as the CLI spells it: Keyword, Int). */
export const declaredSearchAttributes: Record<string, string> = declared;

/** A plan's workflows (the plan cycle, its ladder) carry the plan id and year. */
export function planAttributes(plan: { id: string; year: number }): SearchAttributePair[] {
  return [
    { key: planIdKey, value: plan.id },
    { key: yearKey, value: plan.year },
  ];
}

/** A unit's workflow carries the plan's attributes and the unit's own: township code, unit code, unit type. */
export function unitAttributes(plan: { id: string; year: number }, unit: { code: string; townshipCode: string; unitType: string | null }): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [...planAttributes(plan), { key: townshipCodeKey, value: unit.townshipCode }, { key: unitCodeKey, value: unit.code }];
  if (unit.unitType) pairs.push({ key: unitTypeKey, value: unit.unitType });
  return pairs;
}

const indexedType = (type: string) => encodeSearchAttributeIndexedValueType(type === 'Int' ? SearchAttributeType.INT : SearchAttributeType.KEYWORD)!;

/**
 * Register the declared attributes in `namespace` where missing (a server started without them, an older
 * data folder, a cluster). Idempotent; returns the names it added.
 */
export async function ensureSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = Object.entries(declaredSearchAttributes).filter(([name]) => !known.has(name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedType(type)])),
    });
  } catch (err) {
    // Another process (the second worker) added them first: gRPC ALREADY_EXISTS.
    if ((err as { code?: unknown }).code !== 6) throw err;
  }
  return missing.map(([name]) => name);
}
