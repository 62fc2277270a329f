import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs helpers without type declarations
import { SetupError, TEMPORAL_CLI_VERSION, planPostgres, planTemporal } from '../../scripts/lib/tools.mjs';

const root = path.resolve(__dirname, '../..');
const nodeDir = path.dirname(process.execPath);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'jianjia-setup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run a command to its end and collect what it printed. */
function runToEnd(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: env as NodeJS.ProcessEnv, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, JWT_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' };

describe('missing tools', () => {
  it('npm start with no Go, no temporal and no TEMPORAL_ADDRESS prints one line saying what to install, and exits non-zero', async () => {
    const emptyTools = path.join(scratch, 'no-tools');
    const result = await runToEnd(['scripts/start.mjs'], {
      PATH: nodeDir,
      HOME: emptyTools,
      JIANJIA_TOOLS_DIR: emptyTools,
      DATA_DIR: path.join(scratch, 'never-made'),
    });
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/install Go/);
    expect(lines[0]).toMatch(/TEMPORAL_ADDRESS/);
  });

  it('chooses to build Temporal from source when Go is present and no CLI is cached, and reuses the cached build after', () => {
    const bin = path.join(scratch, 'gobin');
    const cache = path.join(scratch, 'cache');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'go'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect(planTemporal({ PATH: bin, JIANJIA_TOOLS_DIR: cache })).toEqual({ kind: 'build', go: path.join(bin, 'go') });
    const built = path.join(cache, `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
    mkdirSync(path.dirname(built), { recursive: true });
    writeFileSync(built, '#!/bin/sh\n', { mode: 0o755 });
    expect(planTemporal({ PATH: bin, JIANJIA_TOOLS_DIR: cache })).toEqual({ kind: 'binary', bin: built });
  });

  it('uses TEMPORAL_ADDRESS over any local tool', () => {
    expect(planTemporal({ TEMPORAL_ADDRESS: 'temporal.example:7233', PATH: '' })).toEqual({ kind: 'external', address: 'temporal.example:7233' });
  });

  it('with no PostgreSQL binaries and no DATABASE_URL, says what to install or set', () => {
    let caught: unknown;
    try {
      planPostgres({ PATH: path.join(scratch, 'nothing') }, []);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SetupError);
    expect(String((caught as Error).message)).toMatch(/install .*PostgreSQL|PostgreSQL: install/);
    expect(String((caught as Error).message)).toMatch(/DATABASE_URL/);
    expect((caught as Error).message.split('\n')).toHaveLength(1);
  });
});

describe('bad configuration', () => {
  it.each([
    ['bin/api.ts', { PORT: 'eighty' }, 'PORT'],
    ['bin/api.ts', { JWT_SECRET: 'short' }, 'JWT_SECRET'],
    ['bin/api.ts', { DATABASE_URL: 'mysql://nope' }, 'DATABASE_URL'],
    ['bin/worker.ts', { TEMPORAL_ADDRESS: 'no port here' }, 'TEMPORAL_ADDRESS'],
    ['bin/worker.ts', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('%s with %o stops with one line naming %s', async (entry, bad, name) => {
    const result = await runToEnd(['--import', 'tsx', entry], { ...baseEnv, ...bad });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${name} `);
    expect(lines[0]).toMatch(/^jianjia: bad configuration/);
  });
});
