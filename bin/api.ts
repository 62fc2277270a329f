// The API process: Hono on Node's HTTP server. Runs apart from the worker, on any machine.
import { serve } from '@hono/node-server';
import { createApp } from '../api/app';
import { connect } from '../db/client';
import { loadEnvOrExit } from '../lib/env';
import { createLogger } from '../lib/log';
import { temporalClient } from '../lib/temporal';

const env = loadEnvOrExit();
const log = createLogger(env.LOG_LEVEL, 'api');
const sql = connect(env.DATABASE_URL, env.DATABASE_POOL_MAX);
const temporal = temporalClient(env);
const app = createApp({ env, sql, temporal, log });

const server = serve({ fetch: app.fetch, hostname: env.HOST, port: env.PORT }, (info) =>
  log.info({ address: info.address, port: info.port }, 'API listening'),
);
server.on('error', (err: NodeJS.ErrnoException) => {
  log.fatal({ err }, err.code === 'EADDRINUSE' ? `PORT ${env.PORT} is already in use; set PORT to a free port` : 'server error');
  process.exit(1);
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'draining');
  // Stop accepting, let in-flight requests finish, then close the pools.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sql.end({ timeout: 5 });
  await temporal.connection.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
