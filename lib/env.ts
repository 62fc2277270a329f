import { z } from 'zod';

/** Every setting jianjia reads from the environment, parsed once at start-up. */
/** A whole number within bounds, with a message a person can act on. */
const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`);

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: wholeNumber(1, 65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string({ error: 'is required (e.g. postgres://user:pass@127.0.0.1:5432/jianjia)' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_POOL_MAX: wholeNumber(1, 200).default(10),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('jianjia'),
  /**
   * Start workflows with jianjia's search attributes (lib/search-attributes.ts). `off` only for a server that
   * cannot register custom search attributes: Temporal's Java time-skipping test server.
   */
  TEMPORAL_SEARCH_ATTRIBUTES: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' })
    .default('info'),
  JWT_SECRET: z
    .string({ error: 'is required: a random string of at least 32 characters that signs login tokens' })
    .min(32, 'must be at least 32 characters'),
  TOKEN_TTL_SECONDS: wholeNumber(60, 30 * 24 * 3600).default(8 * 3600),
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  UPLOAD_MAX_BYTES: wholeNumber(1024, 1024 ** 3).default(20 * 1024 * 1024),
  /** Extra or newer years of the working-day calendar, merged over the shipped table. */
  HOLIDAY_CALENDAR_FILE: z.string().min(1).optional(),
  /** E-mail notices go out only when this is set, e.g. smtp://user:pass@mail.example.org:587. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  SMTP_FROM: z.string().min(3).default('jianjia@localhost'),
  /** How often the outbox is polled, and how delivery backs off: base × 2^(attempt-1), dead after the last attempt. */
  NOTICE_POLL_MS: wholeNumber(50, 60_000).default(1000),
  NOTICE_RETRY_BASE_MS: wholeNumber(10, 24 * 3600_000).default(30_000),
  NOTICE_MAX_ATTEMPTS: wholeNumber(1, 50).default(8),
  /** A robot that answers "too many messages" gets the delivery again after this (and up to half again), no attempt used. */
  NOTICE_THROTTLE_MS: wholeNumber(10, 3600_000).default(60_000),
  /** Deliveries claimed and sent at once by each outbox poller. */
  NOTICE_BATCH: wholeNumber(1, 500).default(50),
  /** Outbox pollers per worker process, each with a batch in flight (skip-locked rows keep them apart). */
  NOTICE_POLLERS: wholeNumber(1, 32).default(4),
  /** Unit and plan workflows a worker keeps in memory; the rest are replayed from history when a change arrives. */
  WORKER_CACHED_WORKFLOWS: wholeNumber(1, 100_000).default(500),
  /**
   * The V8 heap limit (old space, MiB) of the worker's workflow threads, where cached workflows live. Without it
   * V8 lets garbage grow to gigabytes while a thread is busy; with it the collector works to stay under the limit.
   */
  WORKER_THREAD_HEAP_MB: wholeNumber(64, 16_384).default(256),
  /** How long a dispatch call waits for its township's units before answering 503 with what is done so far. */
  DISPATCH_WAIT_MS: wholeNumber(1000, 30 * 60_000).default(300_000),
  /**
   * A dispatch starts no more unit workflows while the oldest workflow task waiting in the units' queue is older than
   * this (each start waits at most 15 s): a claim waits about this long behind the new workflows' first tasks. 0: off.
   */
  DISPATCH_BACKLOG_MS: wholeNumber(0, 600_000).default(3000),
  /**
   * Spread a shared deadline's rungs over (units in the plan × this) ms, each unit at a fixed place in it, so the
   * wake-ups do not all queue ahead of the chairs' verbs at once. Rungs only move later. 30 is about what one unit's
   * wake-up costs on one 2-core machine, so the spread lasts about as long as the wave itself would. 0: no spread.
   */
  LADDER_SPREAD_MS_PER_UNIT: wholeNumber(0, 10_000).default(30),
  /**
   * A plan's reminders and warnings are fired for all its units at once, set-wise, by one shared ladder workflow; each
   * unit's own timer for them comes this much later (after its spread) as the backstop, and finds them fired. 0: no
   * shared ladder, each unit fires its own rungs as before.
   */
  LADDER_BACKSTOP_MS: wholeNumber(0, 7 * 24 * 3600_000).default(600_000),
});

export type Env = z.infer<typeof envSchema>;

/** A start-up failure whose message is one actionable line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'bad_config';
}

/** Parse the environment; throws ConfigError naming the first bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings count as unset, as shells often export VAR= by accident.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const given = cleaned[name];
    const shown = given === undefined ? 'unset' : name.includes('SECRET') || name.includes('URL') ? 'set' : JSON.stringify(given);
    return `${name} ${issue.message} (${shown})`;
  });
  throw new ConfigError(`jianjia: bad configuration: ${lines.join('; ')}`);
}

/** Parse the environment for a process entry point; on failure print one line and exit 1. */
export function loadEnvOrExit(): Env {
  try {
    return parseEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
