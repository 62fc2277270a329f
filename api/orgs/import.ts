import { createRoute, z } from '@hono/zod-openapi';
import { transaction } from '../../db/client';
import { appendAudit } from '../../db/queries/audit';
import { insertOrgs, takenCodes, townshipsOf } from '../../db/queries/orgs';
import { DomainError, invalid } from '../../lib/errors';
import { requireRole, requireUser } from '../middleware/auth';
import { newRouter } from '../router';
import { authErrors, errorSchema, jsonOk } from '../schemas';
import { parseOrgImport, type RowError } from './import-parse';

const rowErrorSchema = z.object({ row: z.number(), field: z.string(), message: z.string() });

/** Bulk import of grassroots units from CSV or XLSX: all or nothing, unless the caller asks for the valid rows only. */
export const orgImport = newRouter().openapi(
  createRoute({
    method: 'post',
    path: '/orgs/import',
    tags: ['orgs'],
    security: [{ bearer: [] }],
    summary: 'Import grassroots units from a .csv or .xlsx file (columns: code, name, type, township, members, female_members, or their Chinese labels)',
    middleware: [requireUser(), requireRole('district_admin', 'township_officer')] as const,
    request: {
      query: z.object({
        validOnly: z.enum(['true', 'false']).default('false').openapi({ description: 'import the valid rows and report the bad ones, instead of importing nothing' }),
      }),
      body: { content: { 'multipart/form-data': { schema: z.object({ file: z.any().openapi({ type: 'string', format: 'binary' }) }) } } },
    },
    responses: {
      201: jsonOk(z.object({ imported: z.number(), skipped: z.number(), errors: z.array(rowErrorSchema) }), 'imported'),
      ...authErrors,
      413: { description: 'file too large', content: { 'application/json': { schema: errorSchema } } },
      415: { description: 'not a .csv or .xlsx file', content: { 'application/json': { schema: errorSchema } } },
      422: { description: 'some rows are bad; every one is listed in `errors` and nothing was imported', content: { 'application/json': { schema: errorSchema } } },
    },
  }),
  async (c) => {
    const user = c.var.user;
    const validOnly = c.req.valid('query').validOnly === 'true';
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) throw invalid('file', 'attach the spreadsheet as multipart field `file`');
    if (file.size > c.var.deps.env.UPLOAD_MAX_BYTES) throw new DomainError('too_large', `file: larger than ${c.var.deps.env.UPLOAD_MAX_BYTES} bytes`, 413, { field: 'file' });

    const townships = await townshipsOf(c.var.sql, user.districtId);
    const lookup = new Map<string, string>();
    for (const t of townships) {
      for (const key of [t.code, t.name, t.name.replace(/总工会$/, '')]) lookup.set(key, t.id);
    }
    const parsed = await parseOrgImport({ bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name }, lookup);

    const errors: RowError[] = [...parsed.errors];
    const taken = await takenCodes(c.var.sql, parsed.rows.map((r) => r.code));
    const good = parsed.rows.filter((r) => {
      const bad: RowError[] = [];
      if (user.role === 'township_officer' && r.townshipId !== user.orgId) bad.push({ row: r.row, field: 'township', message: 'outside your township' });
      if (taken.has(r.code.toLowerCase())) bad.push({ row: r.row, field: 'code', message: `code ${r.code} is already used` });
      errors.push(...bad);
      return bad.length === 0;
    });
    errors.sort((a, b) => a.row - b.row);
    if (errors.length > 0 && !validOnly) {
      const rows = new Set(errors.map((e) => e.row)).size;
      throw new DomainError('import_rejected', `${rows} row(s) have errors (first: row ${errors[0]!.row}, ${errors[0]!.field}: ${errors[0]!.message}); nothing was imported`, 422, {
        field: 'file',
        errors,
      });
    }
    const inserted = await transaction(c.var.sql, async (tx) => {
      const rows = await insertOrgs(
        tx,
        good.map((r) => ({
          code: r.code,
          name: r.name,
          level: 'grassroots' as const,
          parentId: r.townshipId,
          districtId: user.districtId,
          townshipId: r.townshipId,
          unitType: r.unitType,
          members: r.members,
          femaleMembers: r.femaleMembers,
        })),
      );
      await appendAudit(tx, { actor: user, action: 'org.import', subjectType: 'org-import', subjectId: file.name, summary: { imported: rows.length, skipped: new Set(errors.map((e) => e.row)).size } });
      return rows;
    });
    // A district's units arrive in one import: give the planner their numbers now, not when autovacuum next looks
    // (a plan issued right after would otherwise be dispatched with "a few units" in the statistics).
    // The units are committed by now: a failed analyze is logged, never turned into an error for an import that worked.
    if (inserted.length >= 100) await c.var.sql`analyze orgs`.catch((err: unknown) => c.var.log.warn({ err }, 'analyze orgs after an import failed'));
    return c.json({ imported: inserted.length, skipped: new Set(errors.map((e) => e.row)).size, errors }, 201);
  },
);
