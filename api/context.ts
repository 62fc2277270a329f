import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Sql } from '../db/client';
import type { Env } from '../lib/env';
import type { CurrentUser } from '../lib/user';

export type { CurrentUser } from '../lib/user';

/** Long-lived things every handler may use. */
export interface AppDeps {
  env: Env;
  sql: Sql;
  temporal: Client;
  log: Logger;
}

/** Hono's typed context: `c.var.sql`, `c.var.user`, ... */
export interface AppEnv {
  Variables: {
    deps: AppDeps;
    sql: Sql;
    temporal: Client;
    log: Logger;
    requestId: string;
    user: CurrentUser;
  };
}
