import { describe, expect, it } from 'vitest';
import { declaredSearchAttributes, searchAttributeKeys, unitAttributes } from '../../lib/search-attributes';

describe('search attributes', () => {
  it('declares for the servers exactly the keys the workflows are started with, with matching types', () => {
    const fromKeys = Object.fromEntries(searchAttributeKeys.map((k) => [k.name, k.type === 'INT' ? 'Int' : 'Keyword']));
    expect(fromKeys).toEqual(declaredSearchAttributes);
  });

  it('leaves out the unit type of a township’s own-duty workflow, which has none', () => {
    const pairs = unitAttributes({ id: 'p', year: 2027 }, { code: 'FY-T01', townshipCode: 'FY-T01', unitType: null });
    expect(pairs.map((p) => [p.key.name, p.value])).toEqual([
      ['JianjiaPlanId', 'p'],
      ['JianjiaYear', 2027],
      ['JianjiaTownshipCode', 'FY-T01'],
      ['JianjiaUnitCode', 'FY-T01'],
    ]);
  });
});
