import { serve } from '@hono/node-server';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Interceptor } from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
// @ts-expect-error: plain .mjs helpers without type declarations
import { workerNodeFlags } from '../../scripts/lib/services.mjs';
import path from 'node:path';
import { inject } from 'vitest';
import { buildWorker } from '../../lib/worker';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createApp } from '../../api/app';
import { parseEnv, type Env } from '../../lib/env';
import { startOutbox } from '../../lib/outbox';
import { createLogger } from '../../lib/log';
import { temporalClient } from '../../lib/temporal';
import { freshDatabase, type TestDatabase } from './db';

export interface Stack {
  baseUrl: string;
  db: TestDatabase;
  env: Env;
  /** fetch against the API; `token` adds the Authorization header, objects become JSON bodies. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** gRPC interceptors on the API's connection to Temporal, to break it the way a network does (outside the default retry). */
  temporalInterceptors?: Interceptor[];
}

/** The real API over real HTTP on a loopback port, against a fresh database and the run's Temporal server. */
export async function startStack(overrides: Partial<Record<string, string>> = {}, options: StackOptions = {}): Promise<Stack> {
  const db = await freshDatabase();
  const env = parseEnv({
    ...process.env,
    DATABASE_URL: db.url,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    ...overrides,
  });
  const temporal = options.temporalInterceptors
    ? new Client({
        connection: Connection.lazy({ address: env.TEMPORAL_ADDRESS, interceptors: [...options.temporalInterceptors, makeGrpcRetryInterceptor(defaultGrpcRetryOptions())] }),
        namespace: env.TEMPORAL_NAMESPACE,
      })
    : temporalClient(env);
  const app = createApp({ env, sql: db.sql, temporal, log: createLogger(env.LOG_LEVEL, 'api-test') });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    db,
    env,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: FormData | string | undefined;
      if (options.body instanceof FormData) body = options.body;
      else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      const res = await fetch(baseUrl + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
      await db.drop();
    },
  };
}

/** A real worker for the stack's task queue, in this process; with `outbox`, the notice deliverer too. */
export async function startWorker(stack: Stack, options: { outbox?: boolean } = {}): Promise<{ stop(): Promise<void> }> {
  const connection = await NativeConnection.connect({ address: stack.env.TEMPORAL_ADDRESS });
  const temporal = temporalClient(stack.env);
  const worker = await buildWorker({
    connection,
    namespace: stack.env.TEMPORAL_NAMESPACE,
    taskQueue: stack.env.TEMPORAL_TASK_QUEUE,
    deps: { sql: stack.db.sql, temporal, log: createLogger(stack.env.LOG_LEVEL, 'worker-test'), env: stack.env },
    workflowBundle: { codePath: inject('workflowBundle') },
  });
  const running = worker.run();
  const outbox = options.outbox ? startOutbox({ sql: stack.db.sql, env: stack.env, log: createLogger(stack.env.LOG_LEVEL, 'outbox-test') }) : null;
  return {
    async stop() {
      await outbox?.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await temporal.connection.close();
      await connection.close();
    },
  };
}

/** The worker as its own process (bin/worker.ts), so a test can kill it like a crash would. */
export function spawnWorker(stack: Stack): ChildProcess {
  const root = path.resolve(__dirname, '../..');
  return spawn(process.execPath, [...workerNodeFlags(), '--import', 'tsx', 'bin/worker.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.db.url,
      TEMPORAL_TASK_QUEUE: stack.env.TEMPORAL_TASK_QUEUE,
      WORKFLOW_BUNDLE: inject('workflowBundle'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
