import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Sql } from '../db/client';
import type { Env } from '../lib/env';

/** The caller, as proven by their token. */
export interface CurrentUser {
  id: string;
  login: string;
  role: 'district_admin' | 'department_staff' | 'township_officer' | 'grassroots_chair';
  displayName: string;
  orgId: string;
  orgLevel: 'district' | 'township' | 'grassroots';
  districtId: string;
  /** The township the user's org sits in (their own org for a township officer); null at district level. */
  townshipId: string | null;
  department: string | null;
}

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
