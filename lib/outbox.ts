// Delivery of the notice outbox to outside channels: group-robot webhooks (DingTalk, WeCom) and
// e-mail. Rows are claimed one at a time with SKIP LOCKED, so several workers share the work; a
// worker that dies mid-send leaves its row pending and it is sent again (at-least-once; receivers
// drop duplicates by the notice id in X-Jianjia-Notice-Id).
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { transaction, type Sql } from '../db/client';
import type { Env } from './env';

export interface Delivery {
  id: string;
  channel: 'webhook' | 'email';
  target: string;
  subject: string;
  content: string;
  attempts: number;
}

export type Sender = (d: Delivery) => Promise<void>;

/** The group-robot text message both DingTalk and WeCom accept. */
const robotBody = (content: string) => ({ msgtype: 'text', text: { content } });

/**
 * A robot's answer that it takes no more messages this minute (DingTalk 130101 "send too fast", WeCom 45009 "api freq
 * out of limit"; both take about 20 a minute per robot). Not the message's fault: it is sent again a minute later
 * without using up one of its attempts.
 */
export class RobotThrottled extends Error {}
const throttledCodes = new Set([130101, 45009]);

/** How long a throttled delivery waits: the throttle window and up to half of it again, so the waiting ones spread out. */
export const throttleDelayMs = (windowMs: number, random = Math.random()) => Math.round(windowMs * (1 + random / 2));

/** The throttle window when none is given (NOTICE_THROTTLE_MS's default): both robots count a minute. */
const defaultThrottleMs = 60_000;

/** A throttled delivery still waiting after this long is given up (dead), like one whose attempts ran out. */
const throttleGiveUpHours = 24;

/** POST to a robot; a non-2xx answer, or a robot's non-zero `errcode`, is a failure. */
export async function sendWebhook(d: Delivery, timeoutMs = 10_000): Promise<void> {
  const res = await fetch(d.target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jianjia-notice-id': d.id },
    body: JSON.stringify(robotBody(d.content)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  try {
    const answer = JSON.parse(text) as { errcode?: number; errmsg?: string };
    if (typeof answer.errcode === 'number' && answer.errcode !== 0) {
      const message = `robot refused: errcode ${answer.errcode} ${answer.errmsg ?? ''}`.trim();
      throw throttledCodes.has(answer.errcode) ? new RobotThrottled(message) : new Error(message);
    }
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
}

export function emailSender(smtpUrl: string, from: string): Sender {
  const transport = nodemailer.createTransport(smtpUrl);
  return async (d) => {
    await transport.sendMail({ from, to: d.target, subject: d.subject, text: d.content, headers: { 'X-Jianjia-Notice-Id': d.id }, messageId: `<${d.id}@jianjia>` });
  };
}

/** Back-off before attempt n+1: base × 2^(n-1), capped at a day. */
const backoffMs = (base: number, attempts: number) => Math.min(base * 2 ** Math.max(0, attempts - 1), 24 * 3600_000);

/**
 * Claim up to `batch` due deliveries, send them at once, record each result; returns how many were claimed. The rows
 * stay locked (`for update skip locked`) until their results are written, so other pollers take other rows, and a
 * crash mid-send leaves them pending to be sent again (receivers drop repeats by the notice id they carry).
 */
export async function deliverBatch(
  sql: Sql,
  senders: Partial<Record<Delivery['channel'], Sender>>,
  opts: { retryBaseMs: number; maxAttempts: number; throttleMs?: number },
  log?: Logger,
  batch = 1,
): Promise<number> {
  return transaction(sql, async (tx) => {
    const due = await tx<Delivery[]>`
      select id, channel, target, subject, content, attempts from notice_deliveries
      where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at, id limit ${batch} for update skip locked`;
    if (due.length === 0) return 0;
    const results = await Promise.all(
      due.map(async (d) => {
        try {
          const send = senders[d.channel];
          if (!send) throw new Error(`no ${d.channel} channel is configured`);
          await send(d);
          return { d, error: null, throttled: false };
        } catch (err) {
          return { d, error: err instanceof Error ? err.message : String(err), throttled: err instanceof RobotThrottled };
        }
      }),
    );
    const delivered = results.filter((r) => r.error === null).map((r) => r.d.id);
    if (delivered.length > 0) {
      await tx`update notice_deliveries set status = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = null, throttled_since = null where id in ${tx(delivered)}`;
    }
    const throttleMs = opts.throttleMs ?? defaultThrottleMs;
    const throttledCount = results.filter((r) => r.throttled).length;
    if (throttledCount > 0) log?.warn({ throttled: throttledCount, retryInMs: throttleMs }, 'robots throttled notice deliveries; sending them again after the wait');
    for (const { d, error, throttled } of results) {
      if (error === null) continue;
      if (throttled) {
        const [row] = await tx<{ status: string }[]>`
          update notice_deliveries set last_error = ${error.slice(0, 1000)}, throttled_since = coalesce(throttled_since, now()),
            status = case when throttled_since < now() - ${throttleGiveUpHours} * interval '1 hour' then 'dead' else 'pending' end,
            next_attempt_at = now() + ${throttleDelayMs(throttleMs)} * interval '1 millisecond'
          where id = ${d.id} returning status`;
        if (row?.status === 'dead') log?.error({ delivery: d.id, channel: d.channel, error }, 'notice delivery gave up: the robot throttled it for a day');
        continue;
      }
      const attempts = d.attempts + 1;
      const dead = attempts >= opts.maxAttempts;
      await tx`
        update notice_deliveries set attempts = ${attempts}, last_error = ${error.slice(0, 1000)}, throttled_since = null,
          status = ${dead ? 'dead' : 'pending'}, next_attempt_at = now() + ${backoffMs(opts.retryBaseMs, attempts)} * interval '1 millisecond'
        where id = ${d.id}`;
      log?.[dead ? 'error' : 'warn']({ delivery: d.id, channel: d.channel, attempts, error }, dead ? 'notice delivery gave up' : 'notice delivery failed; will retry');
    }
    return due.length;
  });
}

/** Claim one due delivery, send it, record the result. Returns false when nothing was due. */
export async function deliverOne(sql: Sql, senders: Partial<Record<Delivery['channel'], Sender>>, opts: { retryBaseMs: number; maxAttempts: number }, log?: Logger): Promise<boolean> {
  return (await deliverBatch(sql, senders, opts, log, 1)) > 0;
}

/** How long a poller waits before its next poll: the poll interval, doubled per failed poll in a row, at most 5 s. */
export function pollDelay(pollMs: number, failedPolls: number): number {
  return failedPolls === 0 ? pollMs : Math.max(pollMs, Math.min(pollMs * 2 ** Math.min(failedPolls, 16), 5_000));
}

/** Poll the outbox until stopped; `stop()` waits for the send in hand to finish. */
export function startOutbox(deps: { sql: Sql; env: Env; log: Logger }) {
  const { sql, env, log } = deps;
  const senders: Partial<Record<Delivery['channel'], Sender>> = {
    webhook: (d: Delivery) => sendWebhook(d),
    ...(env.SMTP_URL ? { email: emailSender(env.SMTP_URL, env.SMTP_FROM) } : {}),
  };
  const opts = { retryBaseMs: env.NOTICE_RETRY_BASE_MS, maxAttempts: env.NOTICE_MAX_ATTEMPTS, throttleMs: env.NOTICE_THROTTLE_MS };
  let stopped = false;
  // Failed polls in a row, across the pollers: while the database is away they back off (to 5 s) and log the
  // outage once when it starts, at each doubling, and once when it ends, instead of a line per poll.
  let failing = 0;
  const wakes = new Set<() => void>();
  // NOTICE_POLLERS loops, each claiming its own batch: while one waits for its receivers, the others send.
  const poller = async () => {
    while (!stopped) {
      try {
        // A batch at a time, sent at once: a wave of rungs (thousands of warnings at one deadline) goes out in
        // batches of NOTICE_BATCH instead of one transaction per notice.
        let sent: number;
        do {
          sent = await deliverBatch(sql, senders, opts, log, env.NOTICE_BATCH);
          if (failing > 0) {
            log.info({ failedPolls: failing }, 'outbox reaches the database again');
            failing = 0;
          }
        } while (!stopped && sent > 0);
      } catch (err) {
        failing += 1;
        if ((failing & (failing - 1)) === 0) log.error({ err, failedPolls: failing }, 'outbox poll failed; backing off and trying again');
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          wakes.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, pollDelay(env.NOTICE_POLL_MS, failing));
        wakes.add(wake);
      });
    }
  };
  const loops = Array.from({ length: env.NOTICE_POLLERS }, poller);
  return {
    async stop() {
      stopped = true;
      for (const wake of [...wakes]) wake();
      await Promise.all(loops);
    },
  };
}
