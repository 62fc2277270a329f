import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('install path', () => {
  it('a fresh clone can `npm ci` from the committed lock file (every platform package of a native dependency present)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/check-lock.mjs')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 70_000);
});
