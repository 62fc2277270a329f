import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';

// Every unit workflow evaluates the modules of the bundle it imports for itself (a reused V8 context shares only
// frozen modules). A library in the bundle costs each open or replayed unit workflow its whole evaluation: zod
// cost ~650 KiB and ~16 ms per workflow (docs/architecture.md), so workflow code takes its rules from lib/rules.ts.
describe('the workflow bundle', () => {
  const code = readFileSync(inject('workflowBundle'), 'utf8');
  const modules = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1]!);

  it('holds the workflows and the Temporal SDK, and no other library', () => {
    expect(modules).toContain('./workflows/unit-tasks.ts');
    expect(modules).toContain('./lib/rules.ts');
    const libraries = new Set(modules.filter((m) => m.startsWith('./node_modules/')).map((m) => m.split('/').slice(2, m.includes('/@') ? 4 : 3).join('/')));
    expect([...libraries].sort()).toEqual(['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc']);
  });

  it('imports neither zod nor the API’s input module', () => {
    expect(modules.filter((m) => m.includes('/zod/') || m === './lib/input.ts')).toEqual([]);
  });
});
