import type { Logger } from 'pino';
import type { Sql } from '../db/client';
import type { Env } from '../lib/env';

/** What activities may touch: the database, the logger and the settings. */
export interface ActivityDeps {
  sql: Sql;
  log: Logger;
  env: Env;
}

/** Every activity of jianjia, closed over its dependencies. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
