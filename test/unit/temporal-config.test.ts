import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs helpers without type declarations
import { devServerConfig } from '../../scripts/lib/services.mjs';

/** `key: [- value: v]` entries of the cluster's dynamic config, as `key=v` (the file holds one value a key). */
function clusterConfig(): string[] {
  const text = readFileSync(new URL('../../config/temporal/dynamicconfig.yaml', import.meta.url), 'utf8');
  return [...text.matchAll(/^([\w.]+):\s*\n\s*-\s*value:\s*(\S+)\s*$/gm)].map(([, key, value]) => `${key}=${value}`);
}

describe('Temporal’s dynamic config', () => {
  it('is the same on the embedded dev server and in the cluster profile', () => {
    const cluster = clusterConfig();
    expect(devServerConfig).toContain('system.enableActivityEagerExecution=true');
    for (const value of devServerConfig as string[]) expect(cluster).toContain(value);
  });
});
