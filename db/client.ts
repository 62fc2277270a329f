import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, unknown>>;

/** Open a pool; `bigint` counts come back as JS numbers, which is safe for our row counts. */
export function connect(url: string, max = 10): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    types: { bigint: postgres.BigInt },
    transform: { undefined: null },
    connection: { application_name: 'jianjia' },
  }) as unknown as Sql;
}
