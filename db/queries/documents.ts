import type { Sql } from '../client';

/** A district's abbreviation on its documents: 杭州市富阳区总工会 → 富 (the city is dropped). */
export const districtInitial = (districtName: string) => districtName.replace(/^.+?市/, '').slice(0, 1);

/** The next number of a kind of document, per district and year, without gaps (call inside the document's transaction). */
export async function nextDocumentNumber(tx: Sql, districtId: string, kind: string, year: number): Promise<number> {
  const [row] = await tx<{ last: number }[]>`
    insert into document_counters (district_id, kind, year, last) values (${districtId}, ${kind}, ${year}, 1)
    on conflict (district_id, kind, year) do update set last = document_counters.last + 1
    returning last`;
  return row!.last;
}
