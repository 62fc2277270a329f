// The daily snapshot of every running plan's index (for the screen's trend line and rank changes), taken by the
// worker process. Idempotent per (plan, Beijing day), so several workers may all try; one row wins.
import type { Logger } from 'pino';
import type { Sql } from '../db/client';
import { plansWithoutSnapshot, takeSnapshot } from '../db/queries/standing';

/** Look every `everyMs` (default hourly) for running plans without today's snapshot and take it. */
export function startSnapshots(deps: { sql: Sql; log: Logger; everyMs?: number }) {
  const { sql, log } = deps;
  let stopped = false;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const plan of await plansWithoutSnapshot(sql)) {
          const scopes = await takeSnapshot(sql, plan.id);
          log.info({ planId: plan.id, scopes }, 'index snapshot taken');
        }
      } catch (err) {
        log.error({ err }, 'index snapshot failed; trying again later');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.everyMs ?? 3600_000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
