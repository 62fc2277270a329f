import { Client, Connection } from '@temporalio/client';
import type { Env } from './env';

/**
 * A Temporal client that connects on first use, so the API can start (and report 503 on /readyz)
 * while Temporal is still coming up or briefly away.
 */
export function temporalClient(env: Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Client {
  const connection = Connection.lazy({ address: env.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}
