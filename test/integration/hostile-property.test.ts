// A property over the whole API: for every operation in the OpenAPI document and every text, number,
// date and id field it takes (path, query, JSON body, multipart file name and cells), hostile values
// are answered with a status the document lists for that operation, never a 5xx, never a hang; the
// values no field may take (NUL, lone surrogates, control characters, over-long text, absurd numbers,
// far dates) always get a 4xx. Afterwards the tasks it aimed at still claim and report normally.
// fast-check with a fixed seed and a bounded number of runs per field; the run prints how many requests it sent.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beijingYear } from '../../lib/input';
import { startDemoStack, type DemoStack } from '../support/demo';
import { startWorker } from '../support/stack';

const seed = 20261122;
const runsPerField = 4;
const hangMs = 10_000;

type Schema = {
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
  $ref?: string;
  minimum?: number;
  pattern?: string;
};
type Operation = { parameters?: { in: string; name: string; schema: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, unknown> };
type Kind = 'text' | 'number' | 'date' | 'id';
type Where = 'path' | 'query' | 'body' | 'file' | 'header';
interface Field {
  where: Where;
  path: (string | number)[];
  kind: Kind;
}

let s: DemoStack;
let worker: { stop(): Promise<void> };
let doc: { paths: Record<string, Record<string, Operation>> };
let planId: string;
let unitId: string;
let townshipId: string;
const taskIds: Record<string, string> = {};
const planDeadline = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 10, 30, 10));
const year = beijingYear(planDeadline.getTime());
let sent = 0;
const statuses = new Map<number, number>();
const misnamed: string[] = [];

beforeAll(async () => {
  s = await startDemoStack();
  worker = await startWorker(s);
  const district = await s.token('district');
  unitId = await s.orgId('FY-T01-U001');
  townshipId = await s.orgId('FY-T01');
  const created = await s.call('POST', '/api/v1/plans', {
    token: district,
    body: { year, name: '性质测试', deadline: planDeadline.toISOString(), indicators: ['HS-04', 'GF-03', 'HS-01'], escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } },
  });
  planId = created.body.id;
  await s.call('POST', `/api/v1/plans/${planId}/issue`, { token: district });
  await s.call('POST', `/api/v1/plans/${planId}/dispatch`, { token: await s.token('township-01'), body: { units: [unitId] } });
  for (const t of (await s.call('GET', `/api/v1/tasks?planId=${planId}&unitId=${unitId}`, { token: district })).body.items) taskIds[t.indicator] = t.id;
  doc = (await s.call('GET', '/openapi.json')).body;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await s?.stop();
});

// ---- hostile values: `refuse` ones no field may take; `maybe` ones are legal somewhere (must still never 5xx) ----

const badChars = ['\u0000', '\ud800', '\udfff', '\u0001', '\u0007', '\u001b', '\u007f'];
const refuseText = fc.oneof(
  fc.constantFrom('a\u0000b', '\ud800x', 'x\udfff', 'bell\u0007', 'esc\u001b[31m', 'x'.repeat(5000), '家'.repeat(4001)),
  fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom(...badChars), fc.string({ maxLength: 20 })).map(([a, b, c]) => a + b + c),
);
const maybeText = fc.constantFrom('👍🏽家', '\u202Egnp.exe', '\u200f٢٠٢٧', 'Ｆｕｌｌｗｉｄｔｈ', 'e\u0301', '   ', '');
const refuseNumber = fc.oneof(fc.constantFrom(-1, 1e308, 2 ** 63, -1e-9), fc.double({ min: 1e16, max: 1e300, noNaN: true }));
const maybeNumber = fc.constantFrom(0.5, 1e-9, 0, 99.999);
const refuseDate = fc.constantFrom('2405-01-01T00:00:00Z', '1900-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '2027-13-45T00:00:00Z', '9999-12-31T23:59:59+08:00', 'tomorrow');
const refuseId = fc.oneof(refuseText, fc.constantFrom('00000000-0000-0000-0000-00000000000g', '1 or 1=1', '../../etc/passwd'));

// What an HTTP client can put in a header at all (no NUL, CR or LF), but no Idempotency-Key may be.
const refuseHeader = fc.constantFrom('has space', 'x'.repeat(201), 'semi;colon', 'quote"d', '../../etc', '\u00fcn\u00efcode', '');
/** Operations behind the idempotency middleware, which reads Idempotency-Key. */
const idempotentOps = /^POST \/api\/v1\/(tasks\/\{id\}\/(claim|report|evaluate|exit|extend)|plans\/\{id\}\/(dispatch|close|urge))$/;

const refuseOf: Record<Kind, fc.Arbitrary<unknown>> = { text: refuseText, number: refuseNumber, date: refuseDate, id: refuseId };
const maybeOf: Record<Kind, fc.Arbitrary<unknown> | null> = { text: maybeText, number: maybeNumber, date: null, id: null };

// ---- normal values, so the hostile field is the only thing wrong ----

const normalBodies: Record<string, () => Record<string, unknown>> = {
  'POST /api/v1/auth/login': () => ({ login: 'district', password: 'not-the-password' }),
  'POST /api/v1/orgs': () => ({ code: 'FY-T01-P001', name: '性质测试工会', level: 'grassroots', parentId: townshipId, unitType: 'enterprise', members: 10 }),
  'POST /api/v1/users': () => ({ login: 'property', displayName: '测试', role: 'grassroots_chair', orgId: unitId, password: 'long-enough-password' }),
  'POST /api/v1/plans': () => ({ year, name: '性质测试计划', deadline: planDeadline.toISOString(), indicators: ['HS-04'], escalation: { orderResponse: 'P7D', summonsAfter: 'P3D' } }),
  'POST /api/v1/tasks/{id}/claim': () => ({ responsible: '张主席' }),
  'POST /api/v1/tasks/{id}/report': () => ({ value: 1, note: '进展', final: false }),
  'POST /api/v1/tasks/{id}/evaluate': () => ({ decision: 'return', reason: '口径不对', deadline: planDeadline.toISOString() }),
  'POST /api/v1/tasks/{id}/exit': () => ({ reason: '不适用本单位' }),
  'POST /api/v1/tasks/{id}/extend': () => ({ deadline: new Date(planDeadline.getTime() + 86_400_000).toISOString(), reason: '台风影响' }),
  'POST /api/v1/plans/{id}/dispatch': () => ({ units: [unitId], overrides: [{ unitId, indicator: 'HS-04', target: 3, deadline: planDeadline.toISOString() }] }),
  'PUT /api/v1/plans/{id}/escalation': () => ({ orderResponse: 'P7D', summonsAfter: 'P3D', indicators: { 'HS-04': { remindBefore: { workingDays: 0 } } } }),
  'POST /api/v1/supervision-orders/{id}/respond': () => ({ text: '已整改' }),
  'POST /api/v1/summons/{id}/outcome': () => ({ outcome: '已约谈', heldAt: planDeadline.toISOString() }),
  'POST /api/v1/plans/{id}/adjustments/preview': () => ({ kind: 'target', class: { sizeClasses: ['micro'] }, indicators: ['HS-04'], target: 3, reason: '调整' }),
  'POST /api/v1/plans/{id}/adjustments': () => ({ kind: 'target', class: { sizeClasses: ['micro'] }, indicators: ['HS-04'], target: 3, reason: '调整' }),
  'PUT /api/v1/calendar/{year}': () => ({ holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [{ date: '2027-02-20', name: '春节调休上班' }] }),
};

/** Who sends each operation: its proper role, so role checks do not answer before the value is looked at. */
const senderOf = (key: string) =>
  /tasks\/\{id\}\/(claim|report)|supervision-orders\/\{id\}\/respond/.test(key) ? 'unit-0001' : /tasks\/\{id\}\/(evaluate|exit|extend)|plans\/\{id\}\/(dispatch|urge)/.test(key) ? 'township-01' : 'district';

function resolve(schema: Schema): Schema {
  if (schema.$ref) return resolve((doc as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas[schema.$ref.split('/').pop()!]!);
  return schema;
}

function kindOf(schema: Schema, name: string): Kind | null {
  if (schema.type === 'number' || schema.type === 'integer') return 'number';
  if (schema.type !== 'string') return null;
  if (schema.format === 'date-time') return 'date';
  if (schema.format === 'uuid') return 'id';
  if (schema.format === 'binary') return null;
  return name === 'id' ? 'id' : 'text';
}

/** A plausible value for a schema, from the normal body or the schema itself. */
function normalValue(schema: Schema, name: string): unknown {
  schema = resolve(schema);
  if (schema.anyOf ?? schema.oneOf) return normalValue((schema.anyOf ?? schema.oneOf)![0]!, name);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, normalValue(schema.properties?.[k] ?? {}, k)]));
    case 'array':
      return schema.items ? [normalValue(schema.items, name)] : [];
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return planDeadline.toISOString();
      if (schema.format === 'uuid') return /unit|org/i.test(name) ? unitId : /township/i.test(name) ? townshipId : /plan/i.test(name) ? planId : '00000000-0000-4000-8000-000000000000';
      return '正常';
    default:
      return null;
  }
}

/** Every leaf a hostile value can go into: properties, array items, record values. */
function leaves(schema: Schema, at: (string | number)[], out: { path: (string | number)[]; kind: Kind }[], depth = 0) {
  schema = resolve(schema);
  if (depth > 6) return;
  for (const alt of schema.anyOf ?? schema.oneOf ?? []) leaves(alt, at, out, depth + 1);
  if (schema.enum) return;
  if (schema.type === 'object') {
    for (const [k, v] of Object.entries(schema.properties ?? {})) leaves(v, [...at, k], out, depth + 1);
    if (typeof schema.additionalProperties === 'object') leaves(schema.additionalProperties, [...at, 'HS-04'], out, depth + 1);
    return;
  }
  if (schema.type === 'array' && schema.items) return leaves(schema.items, [...at, 0], out, depth + 1);
  const kind = kindOf(schema, String(at.at(-1) ?? ''));
  if (kind) out.push({ path: at, kind });
}

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown) {
  let node: Record<string | number, unknown> = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) node[key] = value;
    else {
      const next = path[i + 1];
      if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') node[key] = typeof next === 'number' ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    }
  });
}

/** The path id a normal request uses: a real task, plan or org of the test, else an id that exists nowhere. */
function pathId(path: string): string {
  if (path.startsWith('/api/v1/tasks/{id}')) return taskIds['HS-04']!;
  if (path.startsWith('/api/v1/plans/{id}')) return planId;
  if (path === '/api/v1/orgs/{id}') return unitId;
  return '00000000-0000-4000-8000-000000000000';
}

interface Case {
  key: string;
  method: string;
  path: string;
  op: Operation;
  field: Field;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(ops)) {
      const key = `${method.toUpperCase()} ${path}`;
      for (const p of op.parameters ?? []) {
        const kind = p.in === 'path' ? (p.schema.type === 'string' ? 'id' : 'number') : kindOf(resolve(p.schema), p.name);
        if (kind && (p.in === 'path' || p.in === 'query')) out.push({ key, method, path, op, field: { where: p.in as Where, path: [p.name], kind } });
      }
      const json = op.requestBody?.content['application/json']?.schema;
      if (json) {
        const found: { path: (string | number)[]; kind: Kind }[] = [];
        leaves(json, [], found);
        for (const f of found) out.push({ key, method, path, op, field: { where: 'body', ...f } });
      }
      if (op.requestBody?.content['multipart/form-data']) out.push({ key, method, path, op, field: { where: 'file', path: ['file'], kind: 'text' } });
      if (idempotentOps.test(key)) out.push({ key, method, path, op, field: { where: 'header', path: ['Idempotency-Key'], kind: 'text' } });
    }
  }
  return out;
}

async function send(c: Case, value: unknown): Promise<{ status: number; body: string }> {
  const token = c.path === '/api/v1/auth/login' ? undefined : await s.token(senderOf(c.key));
  let url = c.path.replace(/\{(\w+)\}/g, (_, name) => (c.field.where === 'path' && c.field.path[0] === name ? encodeURIComponent(String(value)) : name === 'version' ? '1' : name === 'code' ? 'HS-04' : name === 'year' ? '2027' : pathId(c.path)));
  const query = new URLSearchParams();
  if (c.field.where === 'query') query.set(String(c.field.path[0]), String(value));
  if ([...query].length) url += `?${query}`;
  const headers: Record<string, string> = {};
  let body: string | FormData | undefined;
  if (c.field.where === 'file') {
    const form = new FormData();
    if (c.path.endsWith('/import')) {
      form.set('file', new Blob([`code,name,type,township,members,female_members\nFY-T01-P009,${String(value).replace(/[",\n\r]/g, '')},企业工会,FY-T01,10,2\n`], { type: 'text/csv' }), 'units.csv');
    } else {
      form.set('file', new Blob(['%PDF-1.4\n%%EOF\n'], { type: 'application/pdf' }), `${String(value)}.pdf`);
    }
    body = form;
  } else if (c.op.requestBody?.content['application/json']) {
    const base = normalBodies[c.key]?.() ?? (normalValue(c.op.requestBody.content['application/json'].schema, 'body') as Record<string, unknown>);
    if (c.field.where === 'body') setAt(base, c.field.path, value);
    headers['content-type'] = 'application/json';
    body = JSON.stringify(base);
  }
  if (c.field.where === 'header') headers['idempotency-key'] = String(value);
  if (token) headers.authorization = `Bearer ${token}`;
  sent += 1;
  const res = await fetch(s.baseUrl + url, { method: c.method.toUpperCase(), headers, body, signal: AbortSignal.timeout(hangMs) });
  const text = await res.text();
  return { status: res.status, body: text.slice(0, 300) };
}

describe('hostile values across the whole API', () => {
  it('answers every hostile value with a documented status, never a 5xx or a hang; values no field takes get a 4xx', { timeout: 600_000 }, async () => {
    const all = cases();
    // Every operation is reached: the ones with no field get hostile path ids or nothing at all to vary.
    const operations = new Set(Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/')).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    const reached = new Set(all.map((c) => c.key));
    const untouched = [...operations].filter((k) => !reached.has(k));
    expect(untouched.every((k) => !k.includes('{'))).toBe(true);

    const fields = new Set<string>();
    for (const c of all) {
      const label = `${c.key} ${c.field.where}:${c.field.path.join('.')}`;
      fields.add(label);
      // Writes get only values no field may take, so nothing changes; reads and file names get the legal oddities too.
      const mayAccept = c.method === 'get' || c.field.where === 'file' ? maybeOf[c.field.kind] : null;
      // An upload's file name is display-only and cleaned (control and format characters dropped, NFC), never refused.
      const cleaned = c.path === '/api/v1/uploads';
      const values = c.field.where === 'header'
        ? refuseHeader.map((v) => ({ v, refuse: true }))
        : mayAccept
        ? fc.oneof(refuseOf[c.field.kind].map((v) => ({ v, refuse: !cleaned })), mayAccept.map((v) => ({ v, refuse: false })))
        : refuseOf[c.field.kind].map((v) => ({ v, refuse: true }));
      await fc.assert(
        fc.asyncProperty(values, async ({ v, refuse }) => {
          const res = await send(c, v);
          const documented = Object.keys(c.op.responses);
          expect(res.status, `${label} = ${JSON.stringify(v).slice(0, 60)}: ${res.body}`).toBeLessThan(500);
          expect(documented, `${label} = ${JSON.stringify(v).slice(0, 60)} answered an undocumented ${res.status}: ${res.body}`).toContain(String(res.status));
          if (refuse) expect(res.status, `${label} = ${JSON.stringify(v).slice(0, 60)}: ${res.body}`).toBeGreaterThanOrEqual(400);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (refuse && (res.status === 400 || res.status === 422)) {
            const named = /"field":"([^"]*)"/.exec(res.body)?.[1] ?? '';
            const leaf = String(c.field.path.at(-1));
            if (!named.includes(leaf) && !(c.field.where === 'file' && named === 'file')) misnamed.push(`${label} → ${res.status} field=${named}`);
          }
        }),
        { seed, numRuns: runsPerField, endOnFailure: true, examples: c.field.kind === 'text' && c.field.where !== 'file' && c.field.where !== 'header' ? [[{ v: 'a\u0000b', refuse: true }]] : [] },
      );
    }
    console.log(`hostile property: ${operations.size} operations, ${fields.size} fields, ${sent} requests (seed ${seed}, ${runsPerField} runs per field); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    console.log(`refusals naming another field: ${misnamed.length}\n${misnamed.slice(0, 40).join('\n')}`);
    expect(sent).toBe(fields.size * runsPerField);
    // A refusal names the field the hostile value was in.
    expect(misnamed).toEqual([]);
  });

  it('leaves the tasks it aimed at working: each still claims and reports normally', async () => {
    const chair = await s.token('unit-0001');
    for (const code of ['HS-04', 'GF-03']) {
      const claimed = await s.call('POST', `/api/v1/tasks/${taskIds[code]}/claim`, { token: chair, body: { responsible: '张主席' } });
      expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
      const reported = await s.call('POST', `/api/v1/tasks/${taskIds[code]}/report`, { token: chair, body: { value: 1, note: '正常反馈' } });
      expect(reported.status, JSON.stringify(reported.body)).toBe(200);
      expect(reported.body).toMatchObject({ state: 'claimed', version: 3, value: 1 });
    }
  });
});
