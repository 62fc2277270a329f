import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, unknown>>;

/** Open a pool; `bigint` columns (ids, counts, sizes) come back as JS numbers, safe below 2^53. */
export function connect(url: string, max = 10): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    types: { bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number) => String(x) } },
    transform: { undefined: null },
    connection: { application_name: 'jianjia' },
  }) as unknown as Sql;
}

/**
 * Run `fn` in one transaction. Query modules take `Sql`; a transaction handle answers the same
 * tagged-template calls, so it is passed to them as one (postgres.js types the two apart).
 */
export function transaction<T>(sql: Sql, fn: (tx: Sql) => Promise<T>): Promise<T> {
  // A transaction knows which database it is in (postgres.js gives only the pool its options), so per-database
  // caches work inside transactions too.
  return sql.begin((tx) => fn(Object.assign(tx, { parentOptions: (sql as unknown as { options?: unknown; parentOptions?: unknown }).options ?? (sql as unknown as { parentOptions?: unknown }).parentOptions }) as unknown as Sql)) as Promise<T>;
}
