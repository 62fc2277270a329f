import { createRoute, z } from '@hono/zod-openapi';
import { positiveInt, text } from '../lib/input';
import {
  catalogueVersion,
  currentCatalogue,
  currentDraft,
  discardDraft,
  listCatalogueVersions,
  openDraft,
  publishDraft,
  saveDraft,
  type CatalogueVersion,
} from '../db/queries/catalogue';
import { transaction, type Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { describeCatalogueError, validateCatalogue, type Catalogue, type Indicator } from '../indicators';
import { DomainError, conflict, forbidden, notFound } from '../lib/errors';
import type { CurrentUser } from './context';
import { requireRole, requireUser } from './middleware/auth';
import { adoptInRunningPlans } from './adjustments';
import { newRouter } from './router';
import { authErrors, conflictError, jsonBody, jsonOk, unprocessable } from './schemas';

const versionSchema = z
  .object({
    version: z.number().int(),
    status: z.enum(['draft', 'published']),
    note: z.string().nullable(),
    publishedAt: z.string().nullable(),
    revision: z.number().int().openapi({ description: 'send back when editing the draft; a stale revision is refused' }),
    categories: z.array(z.record(z.string(), z.unknown())),
    indicators: z.array(z.record(z.string(), z.unknown())),
  })
  .openapi('CatalogueVersion');

const present = (v: CatalogueVersion) => ({
  version: v.version,
  status: v.status,
  note: v.note,
  publishedAt: v.publishedAt ? new Date(v.publishedAt).toISOString() : null,
  revision: v.revision,
  categories: v.body.categories,
  indicators: v.body.indicators,
});

/** Refuse a catalogue that does not validate, naming the first indicator and field; all problems in `errors`. */
function mustValidate(candidate: unknown): Catalogue {
  const result = validateCatalogue(candidate);
  if (result.ok) return result.catalogue;
  throw new DomainError('invalid_catalogue', describeCatalogueError(result.errors[0]!), 422, {
    field: result.errors[0]!.path,
    indicator: result.errors[0]!.indicator,
    errors: result.errors.map((e) => ({ ...e, message: describeCatalogueError(e) })),
  });
}

async function draftOr404(sql: Parameters<typeof currentDraft>[0]) {
  const draft = await currentDraft(sql);
  if (!draft) throw notFound('catalogue draft (open one with POST /api/v1/catalogue/draft)');
  return draft;
}

/** Department staff edit only the indicators their department owns (汇集); the admin edits all. */
function assertMayEdit(user: CurrentUser, before: Indicator | undefined, after: Indicator | undefined) {
  if (user.role === 'district_admin') return;
  const owns = (i: Indicator | undefined) => !i || i.department === user.department;
  if (!owns(before) || !owns(after)) {
    throw forbidden(`${(before ?? after)?.code}: owned by ${(before ?? after)?.department}, not ${user.department}`);
  }
}

/** Save the draft if it is still at `revision`, with its audit entry; 409 when someone saved first. */
async function commitDraft(sql: Sql, user: CurrentUser, draft: CatalogueVersion, revision: number, body: Catalogue, note: string | undefined, action: string, summary: Record<string, unknown>) {
  const saved = await transaction(sql, async (tx) => {
    const row = await saveDraft(tx, draft.version, revision, body, note);
    if (row) await appendAudit(tx, { actor: user, action, subjectType: 'catalogue', subjectId: String(draft.version), summary });
    return row;
  });
  if (!saved) throw conflict(`the draft changed since revision ${revision}; reload it`, { currentRevision: draft.revision });
  return saved;
}

const editors = requireRole('district_admin', 'department_staff');
const revisionField = positiveInt();
const versionParam = z.object({ version: z.coerce.number().pipe(positiveInt()).openapi({ param: { name: 'version', in: 'path' } }) });
const codeParam = z.object({ code: z.string().regex(/^[A-Z]{2}-\d{2}$/).openapi({ param: { name: 'code', in: 'path' } }) });
const auth = { security: [{ bearer: [] }], tags: ['catalogue'] };

/** The indicator catalogue: read the published versions, edit and publish a draft. */
export const catalogue = newRouter();
catalogue.use('/catalogue/*', requireUser());
catalogue.use('/catalogue', requireUser());

catalogue.openapi(
  createRoute({ ...auth, method: 'get', path: '/catalogue', summary: 'The current published catalogue', responses: { 200: jsonOk(versionSchema), ...authErrors } }),
  async (c) => {
    const current = await currentCatalogue(c.var.sql);
    if (!current) throw notFound('published catalogue');
    return c.json(present(current), 200);
  },
);

catalogue.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/catalogue/versions',
    summary: 'Every version, newest first',
    responses: { 200: jsonOk(z.object({ items: z.array(z.record(z.string(), z.unknown())) })), ...authErrors },
  }),
  async (c) => c.json({ items: await listCatalogueVersions(c.var.sql) }, 200),
);

catalogue.openapi(
  createRoute({ ...auth, method: 'get', path: '/catalogue/versions/{version}', summary: 'One version', request: { params: versionParam }, responses: { 200: jsonOk(versionSchema), ...authErrors } }),
  async (c) => {
    const found = await catalogueVersion(c.var.sql, c.req.valid('param').version);
    // Only district staff see an unpublished draft by number.
    if (!found || (found.status === 'draft' && c.var.user.orgLevel !== 'district')) throw notFound('catalogue version');
    return c.json(present(found), 200);
  },
);

catalogue.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/catalogue/draft',
    summary: 'Open a draft copied from the current published version',
    middleware: [editors] as const,
    request: jsonBody(z.object({ note: text('note', { max: 500 }).optional() })),
    responses: { 201: jsonOk(versionSchema, 'draft opened'), ...authErrors, ...conflictError },
  }),
  async (c) => {
    const { note } = c.req.valid('json');
    const draft = await transaction(c.var.sql, async (tx) => {
      const opened = await openDraft(tx, c.var.user.id, note ?? null);
      if (opened) await appendAudit(tx, { actor: c.var.user, action: 'catalogue.draft.open', subjectType: 'catalogue', subjectId: String(opened.version), toState: 'draft' });
      return opened;
    });
    if (!draft) throw conflict('a draft is already open; edit it or discard it first');
    return c.json(present(draft), 201);
  },
);

catalogue.openapi(
  createRoute({ ...auth, method: 'get', path: '/catalogue/draft', summary: 'The open draft', middleware: [editors] as const, responses: { 200: jsonOk(versionSchema), ...authErrors } }),
  async (c) => c.json(present(await draftOr404(c.var.sql)), 200),
);

catalogue.openapi(
  createRoute({
    ...auth,
    method: 'put',
    path: '/catalogue/draft',
    summary: 'Replace the whole draft (district admin); refused with every problem listed if it does not validate',
    middleware: [requireRole('district_admin')] as const,
    request: jsonBody(
      z.object({
        revision: revisionField,
        note: text('note', { max: 500 }).optional(),
        catalogue: z.object({ categories: z.array(z.unknown()), indicators: z.array(z.unknown()) }).passthrough(),
      }),
    ),
    responses: { 200: jsonOk(versionSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { revision, note, catalogue: candidate } = c.req.valid('json');
    const draft = await draftOr404(c.var.sql);
    const body = mustValidate(candidate);
    const saved = await commitDraft(c.var.sql, c.var.user, draft, revision, body, note, 'catalogue.draft.replace', { indicators: body.indicators.length });
    return c.json(present(saved), 200);
  },
);

catalogue.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/catalogue/draft/indicators/{code}',
    summary: 'Edit one indicator of the draft (department staff: only their own)',
    middleware: [editors] as const,
    request: { params: codeParam, ...jsonBody(z.object({ revision: revisionField, changes: z.record(text('short', { min: 1, max: 40 }), z.unknown()) })) },
    responses: { 200: jsonOk(versionSchema), ...authErrors, ...conflictError, ...unprocessable },
  }),
  async (c) => {
    const { code } = c.req.valid('param');
    const { revision, changes } = c.req.valid('json');
    const draft = await draftOr404(c.var.sql);
    const index = draft.body.indicators.findIndex((i) => i.code === code);
    if (index < 0) throw notFound(`indicator ${code} in the draft`);
    const before = draft.body.indicators[index]!;
    const merged = { ...before, ...changes, code } as Indicator;
    assertMayEdit(c.var.user, before, merged);
    const indicators = draft.body.indicators.map((i, n) => (n === index ? merged : i));
    const body = mustValidate({ ...draft.body, indicators });
    const saved = await commitDraft(c.var.sql, c.var.user, draft, revision, body, undefined, 'catalogue.indicator.edit', { code, fields: Object.keys(changes) });
    return c.json(present(saved), 200);
  },
);

catalogue.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/catalogue/draft/validate',
    summary: 'Check the draft without publishing it',
    middleware: [editors] as const,
    responses: { 200: jsonOk(z.object({ ok: z.boolean(), errors: z.array(z.object({ path: z.string(), indicator: z.string().optional(), message: z.string() })) })), ...authErrors },
  }),
  async (c) => {
    const result = validateCatalogue((await draftOr404(c.var.sql)).body);
    return c.json(result.ok ? { ok: true, errors: [] } : { ok: false, errors: result.errors.map((e) => ({ ...e, message: describeCatalogueError(e) })) }, 200);
  },
);

catalogue.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/catalogue/draft/publish',
    summary:
      'Publish the draft as a new immutable version (district admin); `runningPlans: adopt` also gives the district’s running plans its targets for the tasks not yet evaluated (one policy adjustment per plan)',
    middleware: [requireRole('district_admin')] as const,
    request: jsonBody(
      z.object({
        revision: revisionField,
        runningPlans: z.enum(['keep', 'adopt']).default('keep').openapi({
          description: 'keep: running plans stay on the version they were issued with; adopt: their tasks not yet evaluated take this version’s targets (points and weights stay the plan’s)',
        }),
      }),
    ),
    responses: {
      201: jsonOk(
        versionSchema.extend({
          adoptions: z
            .array(z.object({ planId: z.string(), adjustmentId: z.string(), number: z.string(), tasks: z.number() }))
            .openapi({ description: 'with runningPlans adopt: the adjustment that carries the new targets into each running plan' }),
        }),
        'published',
      ),
      ...authErrors,
      ...conflictError,
      ...unprocessable,
    },
  }),
  async (c) => {
    const { revision, runningPlans } = c.req.valid('json');
    const draft = await draftOr404(c.var.sql);
    mustValidate(draft.body);
    const published = await transaction(c.var.sql, async (tx) => {
      const row = await publishDraft(tx, draft.version, revision, c.var.user.id);
      if (row) await appendAudit(tx, { actor: c.var.user, action: 'catalogue.publish', subjectType: 'catalogue', subjectId: String(row.version), fromState: 'draft', toState: 'published' });
      return row;
    });
    if (!published) throw conflict(`the draft changed since revision ${revision}; reload it`, { currentRevision: draft.revision });
    const adoptions =
      runningPlans === 'adopt' ? await adoptInRunningPlans(c, c.var.sql, c.var.user, published.version, `指标目录第${published.version}版发布，运行中的计划采用其目标值`) : [];
    return c.json({ ...present(published), adoptions }, 201);
  },
);

catalogue.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/catalogue/draft',
    summary: 'Discard the open draft (district admin)',
    middleware: [requireRole('district_admin')] as const,
    responses: { 204: { description: 'discarded' }, ...authErrors },
  }),
  async (c) => {
    const draft = await draftOr404(c.var.sql);
    await transaction(c.var.sql, async (tx) => {
      await discardDraft(tx, draft.version);
      await appendAudit(tx, { actor: c.var.user, action: 'catalogue.draft.discard', subjectType: 'catalogue', subjectId: String(draft.version), fromState: 'draft' });
    });
    return c.body(null, 204);
  },
);
