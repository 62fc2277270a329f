import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs helpers without type declarations
import { workerNodeFlags } from '../../scripts/lib/services.mjs';

describe('the worker process’s node flags', () => {
  it('bound its main thread’s heap, 384 MiB unless WORKER_MAIN_HEAP_MB says otherwise', () => {
    expect(workerNodeFlags({})).toEqual(['--max-old-space-size=384']);
    expect(workerNodeFlags({ WORKER_MAIN_HEAP_MB: '1024' })).toEqual(['--max-old-space-size=1024']);
  });

  it('refuse a setting node would misread, naming the variable', () => {
    for (const bad of ['abc', '12', '1e3', '-5', '99999']) expect(() => workerNodeFlags({ WORKER_MAIN_HEAP_MB: bad })).toThrow(/WORKER_MAIN_HEAP_MB/);
  });
});
