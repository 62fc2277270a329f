// Fails with one clear line when package-lock.json has drifted from package.json, the way a fresh clone's
// `npm ci` would see it: on a copy of the two files, with no node_modules and no install scripts.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'jianjia-lock-'));
try {
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, f), path.join(dir, f));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) {
    const why = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /Missing|Invalid|ERR|error code/.test(l)).slice(0, 4).join('; ');
    process.stderr.write(`package-lock.json is out of step with package.json, so \`npm ci\` on a fresh clone fails: ${why || `exit ${r.status}`}\n`);
    process.exit(1);
  }
  process.stdout.write('package-lock.json agrees with package.json (npm ci --dry-run passes).\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
