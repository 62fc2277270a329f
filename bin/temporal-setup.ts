// Ready a Temporal server for jianjia (the cluster profile runs this at every start; idempotent): check its
// history shard count against the one chosen at first start, register the namespace when missing, and
// register jianjia's search attributes in it. Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// JIANJIA_TEMPORAL_SHARDS (expected shard count) and TEMPORAL_RETENTION_DAYS (default 30).
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSearchAttributes } from '../lib/search-attributes';

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
const retentionDays = Number(process.env.TEMPORAL_RETENTION_DAYS || 30);
const say = (line: string) => process.stdout.write(`[temporal-setup] ${line}\n`);
const fail = (line: string): never => {
  process.stderr.write(`${line}\n`);
  process.exit(1);
};

/** Retry while the server is still joining its own services (its frontend answers UNAVAILABLE until then). */
async function patiently<T>(what: string, call: () => Promise<T>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const connection = await patiently('connect', () => Connection.connect({ address }));
try {
  const info = await patiently('cluster info', () => connection.workflowService.getClusterInfo({}));
  const expected = Number(process.env.JIANJIA_TEMPORAL_SHARDS || 0);
  if (expected && info.historyShardCount !== expected) {
    fail(`The Temporal cluster at ${address} has ${info.historyShardCount} history shards, not the ${expected} asked for; the count is fixed when a cluster is created, so use ${info.historyShardCount}.`);
  }
  const exists = await connection.workflowService.describeNamespace({ namespace }).then(
    () => true,
    (err: { code?: number }) => {
      if (err.code === 5) return false; // NOT_FOUND
      throw err;
    },
  );
  if (!exists) {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`), description: 'jianjia' })
      .catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // ALREADY_EXISTS: another start made it first
      });
    say(`registered namespace ${namespace} (closed workflows kept ${retentionDays} days)`);
  }
  // A new namespace reaches every service within the registry's refresh (2 s): wait until it answers.
  await patiently('namespace', () => connection.workflowService.describeNamespace({ namespace }));
  const added = await patiently('search attributes', () => ensureSearchAttributes(connection, namespace));
  if (added.length > 0) say(`registered search attributes ${added.join(', ')} in ${namespace}`);
  say(`Temporal at ${address} ready: namespace ${namespace}, ${info.historyShardCount} history shards, server ${info.serverVersion}`);
} finally {
  await connection.close();
}
