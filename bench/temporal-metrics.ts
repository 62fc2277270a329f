// The Temporal dev server's own account of a benchmark window, from its Prometheus metrics (BENCH_TEMPORAL_METRICS=1
// starts the scratch server with a metrics port; scripts/bench.mjs passes its address as TEMPORAL_METRICS_URL).
// Read twice, before and after a window, the counters say what the server did for each workflow started in it:
// which persistence operations (all of them go through the dev server's one SQLite connection) and how long a
// start waited.

type Sample = Map<string, number>;

/** The counters and latency sums of interest, keyed `metric|service|operation` (all other labels summed). */
export async function temporalMetrics(): Promise<Sample | null> {
  const url = process.env.TEMPORAL_METRICS_URL;
  if (!url) return null;
  const text = await (await fetch(url)).text();
  const sample: Sample = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^(persistence_requests|persistence_latency_sum|persistence_latency_count|service_latency_sum|service_latency_count)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels = m[2] ?? '';
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
    const key = `${m[1]}|${label('service_name')}|${label('operation')}`;
    sample.set(key, (sample.get(key) ?? 0) + Number(m[3]));
  }
  return sample;
}

const delta = (a: Sample, b: Sample, key: string) => (b.get(key) ?? 0) - (a.get(key) ?? 0);

/** Mean of a latency over the window, in ms (sum and count are in seconds and calls). */
function meanMs(a: Sample, b: Sample, metric: 'persistence_latency' | 'service_latency', service: string, operation: string) {
  const n = delta(a, b, `${metric}_count|${service}|${operation}`);
  return n > 0 ? (1000 * delta(a, b, `${metric}_sum|${service}|${operation}`)) / n : NaN;
}

/**
 * One line for a window in which `n` workflows were started: persistence requests per workflow (the five most
 * frequent operations; the total counts all), the mean time the history service took to answer a start, and the mean time of the write that
 * creates a workflow (taken under the history shard's lock: the dev server has one shard, so these writes queue).
 */
export function describeWindow(a: Sample | null, b: Sample | null, n: number): string | null {
  if (!a || !b) return null;
  const byOp = new Map<string, number>();
  for (const k of b.keys()) {
    if (!k.startsWith('persistence_requests|')) continue;
    const op = k.split('|')[2]!;
    byOp.set(op, (byOp.get(op) ?? 0) + delta(a, b, k) / n);
  }
  const total = [...byOp.values()].reduce((s, per) => s + per, 0);
  const perOp = [...byOp].map(([op, per]) => ({ op, per })).sort((x, y) => y.per - x.per);
  const top = perOp.slice(0, 5).map((x) => `${x.op} ${x.per.toFixed(2)}`).join(', ');
  const start = meanMs(a, b, 'service_latency', 'history', 'StartWorkflowExecution');
  const create = meanMs(a, b, 'persistence_latency', 'history', 'CreateWorkflowExecution');
  return `${total.toFixed(2)} persistence requests a workflow (${top}); a start answered in ${start.toFixed(0)} ms on average, its create write ${create.toFixed(2)} ms`;
}
