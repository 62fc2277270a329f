// A small load generator for the benchmarks: `concurrency` clients send requests until the time or the request
// budget runs out; latencies are measured per request, per kind. Closed loop by default (each client sends its next
// request the moment the last one answers: the figures are those of a saturated server); with `ratePerSecond` the
// clients share a fixed schedule of send times instead (an open loop, like people who read between clicks), and a
// latency counts from the time the request was due, so a server falling behind shows in the figures rather than
// slowing the load down.
export interface Shot {
  kind: string;
  url: string;
  method?: string;
  token: string;
  body?: unknown;
  /** Told the answer's status, e.g. to queue the next verb of the same task. */
  then?: (status: number) => void;
}

export interface LoadResult {
  kinds: Map<string, { times: number[]; errors: number; statuses: Map<number, number> }>;
  wallMs: number;
  total: number;
}

export async function runLoad(options: { concurrency: number; durationMs: number; maxRequests?: number; ratePerSecond?: number; next: () => Shot | undefined }): Promise<LoadResult> {
  const kinds: LoadResult['kinds'] = new Map();
  const stopAt = performance.now() + options.durationMs;
  let sent = 0;
  const t0 = performance.now();
  /** Open loop: the n-th request is due at t0 + n / rate, whichever client is free to send it. */
  const dueAt = (n: number) => t0 + (n * 1000) / options.ratePerSecond!;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < stopAt && (options.maxRequests === undefined || sent < options.maxRequests)) {
        let started = performance.now();
        if (options.ratePerSecond) {
          started = dueAt(sent);
          if (started >= stopAt) return;
          sent += 1;
          const wait = started - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        const shot = options.next();
        if (!shot) return;
        if (!options.ratePerSecond) sent += 1;
        let status = 0;
        try {
          const res = await fetch(shot.url, {
            method: shot.method ?? 'GET',
            headers: { authorization: `Bearer ${shot.token}`, ...(shot.body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: shot.body === undefined ? undefined : JSON.stringify(shot.body),
          });
          await res.arrayBuffer();
          status = res.status;
        } catch {
          status = 0;
        }
        shot.then?.(status);
        const k = kinds.get(shot.kind) ?? { times: [] as number[], errors: 0, statuses: new Map<number, number>() };
        kinds.set(shot.kind, k);
        k.times.push(performance.now() - started);
        k.statuses.set(status, (k.statuses.get(status) ?? 0) + 1);
        if (status < 200 || status >= 300) k.errors += 1;
      }
    }),
  );
  return { kinds, wallMs: performance.now() - t0, total: sent };
}

export const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

/** One line per kind: count, throughput, p50/p95/p99, errors (with their statuses). */
export function report(title: string, result: LoadResult, concurrency: number): Map<string, { p95: number; rate: number }> {
  console.log(`${title} (${concurrency} clients, ${(result.wallMs / 1000).toFixed(1)} s, ${Math.round(result.total / (result.wallMs / 1000))} req/s in all)`);
  const out = new Map<string, { p95: number; rate: number }>();
  for (const [kind, k] of result.kinds) {
    const sorted = [...k.times].sort((a, b) => a - b);
    const bad = [...k.statuses].filter(([s]) => s < 200 || s >= 300).map(([s, n]) => `${n}×${s}`).join(', ');
    const rate = k.times.length / (result.wallMs / 1000);
    console.log(
      `  ${kind.padEnd(14)} ${String(k.times.length).padStart(6)} req ${rate.toFixed(0).padStart(5)}/s  p50 ${percentile(sorted, 0.5).toFixed(0)} ms  p95 ${percentile(sorted, 0.95).toFixed(0)} ms  p99 ${percentile(sorted, 0.99).toFixed(0)} ms  errors ${k.errors}${bad ? ` (${bad})` : ''}`,
    );
    out.set(kind, { p95: percentile(sorted, 0.95), rate });
  }
  return out;
}
