// `npm run reconcile [-- --repair] [-- --plan <id>]`: compare every unit workflow's tasks with the
// PostgreSQL projection, print the differences, and with --repair rewrite the rows from the workflows.
import { connect } from '../db/client';
import { reconcileTasks } from '../activities/reconcile';
import { parseEnv } from '../lib/env';
import { temporalClient } from '../lib/temporal';

const args = process.argv.slice(2);
const repair = args.includes('--repair');
const planAt = args.indexOf('--plan');
const planId = planAt >= 0 ? args[planAt + 1] : undefined;

const env = parseEnv(process.env);
const sql = connect(env.DATABASE_URL, 5);
const temporal = temporalClient(env);
try {
  const report = await reconcileTasks({ sql, temporal }, { planId, repair });
  for (const d of report.differences) {
    console.log(`difference plan=${d.planId} task=${d.taskId} ${d.indicator} ${d.field}: workflow=${JSON.stringify(d.workflow)} database=${JSON.stringify(d.database)}`);
  }
  for (const a of report.attention) console.log(`attention plan=${a.planId} task=${a.taskId}: ${a.message}`);
  for (const u of report.unrepaired) console.log(`not repaired plan=${u.planId} task=${u.taskId}: ${u.error}`);
  console.log(JSON.stringify({ plans: report.plans, units: report.units, tasks: report.tasks, differences: report.differences.length, attention: report.attention.length, repaired: report.repaired, unrepaired: report.unrepaired.length }));
  process.exitCode = report.differences.length > 0 && !repair ? 2 : 0;
} finally {
  await sql.end({ timeout: 5 });
  await temporal.connection.close();
}
