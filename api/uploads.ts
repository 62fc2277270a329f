import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { transaction } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { findUploadInScope, insertUpload, type Upload } from '../db/queries/uploads';
import { attachment } from '../lib/content-disposition';
import { DomainError, invalid, notFound } from '../lib/errors';
import type { AppEnv } from './context';
import { handleError } from './errors';
import { requireUser } from './middleware/auth';
import { newRouter } from './router';
import { authErrors, errorSchema, idParam, jsonOk, unprocessable } from './schemas';

/** A type of evidence file we accept: the leading bytes and the extension must both say it. */
interface EvidenceKind {
  label: string;
  extensions: string[];
  contentType: string;
  matches: (head: Uint8Array) => boolean;
  /** Checked in full while writing: valid UTF-8 with no NUL byte. */
  text?: true;
}

const startsWith = (signature: number[] | string, at = 0) => {
  const bytes = typeof signature === 'string' ? [...Buffer.from(signature, 'latin1')] : signature;
  return (head: Uint8Array) => bytes.every((b, i) => head[at + i] === b);
};
const zip = startsWith('PK\x03\x04');
const riff = startsWith('RIFF');
const webp = startsWith('WEBP', 8);

const kinds: EvidenceKind[] = [
  { label: 'JPEG', extensions: ['.jpg', '.jpeg'], contentType: 'image/jpeg', matches: startsWith([0xff, 0xd8, 0xff]) },
  { label: 'PNG', extensions: ['.png'], contentType: 'image/png', matches: startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { label: 'WebP', extensions: ['.webp'], contentType: 'image/webp', matches: (h) => riff(h) && webp(h) },
  { label: 'PDF', extensions: ['.pdf'], contentType: 'application/pdf', matches: startsWith('%PDF-') },
  { label: 'Word', extensions: ['.docx'], contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', matches: zip },
  { label: 'Excel', extensions: ['.xlsx'], contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', matches: zip },
  { label: 'plain text', extensions: ['.txt'], contentType: 'text/plain; charset=utf-8', matches: () => true, text: true },
  { label: 'CSV', extensions: ['.csv'], contentType: 'text/csv; charset=utf-8', matches: () => true, text: true },
];
const acceptedTypes = kinds.map((k) => `${k.label} (${k.extensions.join(', ')})`).join(', ');

const unsupported = (reason: string) =>
  new DomainError('unsupported_type', `file: ${reason}; accepted types are ${acceptedTypes}, and the content must match the extension`, 415, { field: 'file' });
const tooLarge = (max: number) => new DomainError('too_large', `file: larger than ${max} bytes`, 413, { field: 'file', maxBytes: max });

const maxNameLength = 200;

/**
 * The name shown for an upload: the last path segment of what the client sent, without control or
 * invisible formatting characters (a right-to-left override could disguise `gnp.exe` as `exe.png`),
 * at most 200 characters with the extension kept. It is for display only; the bytes are stored by id.
 */
export function displayName(raw: string): string {
  const segment = raw.split(/[/\\]/).pop() ?? '';
  // Lone surrogates (\p{Cs}) go too: the name is stored as text and must be valid Unicode; then NFC, like every text.
  let name = segment.replace(/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu, '').normalize('NFC').trim();
  if (name === '' || /^\.+$/.test(name)) name = 'upload';
  const chars = Array.from(name);
  if (chars.length <= maxNameLength) return name;
  const ext = Array.from(path.extname(name)).slice(0, 16);
  return chars.slice(0, maxNameLength - ext.length).join('') + ext.join('');
}

/** Which accepted type a file is, judged by its extension and its leading bytes together. */
function evidenceKind(name: string, head: Uint8Array): EvidenceKind {
  const ext = path.extname(name).toLowerCase();
  const kind = kinds.find((k) => k.extensions.includes(ext));
  if (!kind) throw unsupported(ext ? `${ext} files are not accepted` : 'the file name has no extension');
  if (!kind.matches(head)) throw unsupported(`the content is not ${kind.label} although the name ends in ${ext}`);
  return kind;
}

/** Fails the upload as soon as a text file turns out not to be UTF-8 text. */
function textCheck(kind: EvidenceKind) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const notText = () => unsupported(`a ${kind.extensions.join('/')} file must be UTF-8 text without NUL bytes`);
  return {
    chunk(bytes: Uint8Array) {
      if (bytes.includes(0)) throw notText();
      try {
        decoder.decode(bytes, { stream: true });
      } catch {
        throw notText();
      }
    },
    end() {
      try {
        decoder.decode();
      } catch {
        throw notText();
      }
    },
  };
}

/** Where an upload's bytes live: sharded by the first two hex digits of their hash, named by the upload id. */
export const storedPath = (dataDir: string, sha256: string, id: string) => path.resolve(dataDir, 'uploads', sha256.slice(0, 2), id);

/**
 * Write the file to a staging name, hashing (and for text, checking) each chunk as it goes, and flush it
 * to disk. The staging folder is inside `uploads/` so the later rename stays on one filesystem; the
 * final folder depends on the hash, which is known only once every byte is written.
 */
async function stage(dataDir: string, id: string, file: File, kind: EvidenceKind) {
  const incoming = path.resolve(dataDir, 'uploads', '.incoming');
  await mkdir(incoming, { recursive: true });
  const staged = path.join(incoming, `${id}.part`);
  const hash = createHash('sha256');
  const check = kind.text ? textCheck(kind) : undefined;
  let size = 0;
  async function* hashed() {
    for await (const bytes of file.stream()) {
      check?.chunk(bytes);
      hash.update(bytes);
      size += bytes.length;
      yield bytes;
    }
    check?.end();
  }
  // `wx`: never overwrite; `flush`: the bytes are on disk before the row that names them is committed.
  const out = createWriteStream(staged, { flags: 'wx', mode: 0o640, flush: true });
  try {
    await pipeline(hashed(), out);
  } catch (err) {
    // A refusal can come before the stream has even opened its file: wait until it is closed,
    // or the open would create the file after it was removed.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await rm(staged, { force: true });
    throw err;
  }
  return { staged, sha256: hash.digest('hex'), size };
}

/** Refuse an oversized body before reading it, allowing room for the multipart envelope around the file. */
function limitUploadBody(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const max = c.var.deps.env.UPLOAD_MAX_BYTES;
    return bodyLimit({
      maxSize: max + 64 * 1024,
      // Answered before the body is read, so the client must not reuse this connection for its next request.
      onError: () => {
        const res = handleError(tooLarge(max), c);
        res.headers.set('connection', 'close');
        return res;
      },
    })(c, next);
  };
}

const uploadSchema = z
  .object({
    id: z.string(),
    sha256: z.string().openapi({ description: 'hex SHA-256 of the stored bytes' }),
    size: z.number().int().openapi({ description: 'bytes' }),
    contentType: z.string(),
    filename: z.string().openapi({ description: 'the original name, cleaned for display' }),
    createdAt: z.string(),
  })
  .openapi('Upload');

const present = (u: Upload) => ({ id: u.id, sha256: u.sha256, size: u.size, contentType: u.contentType, filename: u.filename, createdAt: u.createdAt.toISOString() });

const tagged = { security: [{ bearer: [] }], tags: ['uploads'] };
const evidenceFile = z.custom<File>((v) => v instanceof File, { error: 'attach the file as multipart field `file`' }).openapi({ type: 'string', format: 'binary' });
const errorContent = { 'application/json': { schema: errorSchema } };

/** Evidence files (反馈 photos, minutes, spreadsheets): stored once, readable within the uploader's part of the tree. */
export const uploads = newRouter();

uploads.openapi(
  createRoute({
    ...tagged,
    method: 'post',
    path: '/uploads',
    summary: 'Upload an evidence file (photo, PDF, Word, Excel, text) for the caller’s own org',
    description: `Accepted: ${acceptedTypes}. The leading bytes must match the extension; at most UPLOAD_MAX_BYTES.`,
    middleware: [requireUser(), limitUploadBody()] as const,
    request: {
      body: { required: true, content: { 'multipart/form-data': { schema: z.object({ file: evidenceFile }) } } },
    },
    responses: {
      201: jsonOk(uploadSchema, 'stored'),
      ...authErrors,
      413: { description: 'larger than UPLOAD_MAX_BYTES', content: errorContent },
      415: { description: 'not an accepted type, or the content does not match the extension', content: errorContent },
      ...unprocessable,
    },
  }),
  async (c) => {
    const user = c.var.user;
    const { env } = c.var.deps;
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch {
      throw invalid('file', 'send the file as multipart/form-data field `file`');
    }
    const file = form.file;
    if (!(file instanceof File)) throw invalid('file', 'attach the file as multipart field `file`');
    if (file.size > env.UPLOAD_MAX_BYTES) throw tooLarge(env.UPLOAD_MAX_BYTES);
    if (file.size === 0) throw invalid('file', 'the file is empty');

    const filename = displayName(file.name);
    const kind = evidenceKind(filename, new Uint8Array(await file.slice(0, 16).arrayBuffer()));
    const id = randomUUID();
    const { staged, sha256, size } = await stage(env.DATA_DIR, id, file, kind);
    const stored = storedPath(env.DATA_DIR, sha256, id);
    try {
      await mkdir(path.dirname(stored), { recursive: true });
      await rename(staged, stored);
    } catch (err) {
      await rm(staged, { force: true });
      throw err;
    }
    let row: Upload;
    try {
      row = await transaction(c.var.sql, async (tx) => {
        const inserted = await insertUpload(tx, { id, sha256, size, contentType: kind.contentType, filename, orgId: user.orgId, uploadedBy: user.id });
        await appendAudit(tx, { actor: user, action: 'upload.create', subjectType: 'upload', subjectId: id, summary: { filename, sha256, size, contentType: kind.contentType, org: user.orgId } });
        return inserted;
      });
    } catch (err) {
      // No row, so no file: a file nobody can name is only clutter.
      await rm(stored, { force: true });
      throw err;
    }
    return c.json(present(row), 201);
  },
);

uploads.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/uploads/{id}',
    summary: 'What an uploaded file is (visible within the uploader’s part of the tree)',
    middleware: [requireUser()] as const,
    request: { params: idParam },
    responses: { 200: jsonOk(uploadSchema), ...authErrors },
  }),
  async (c) => {
    const upload = await findUploadInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    if (!upload) throw notFound('upload');
    return c.json(present(upload), 200);
  },
);

uploads.openapi(
  createRoute({
    ...tagged,
    method: 'get',
    path: '/uploads/{id}/content',
    summary: 'Download an uploaded file, always as an attachment',
    middleware: [requireUser()] as const,
    request: { params: idParam },
    responses: {
      200: {
        description: 'the stored bytes, with the Content-Type detected at upload',
        content: Object.fromEntries(kinds.map((k) => [k.contentType, { schema: z.string().openapi({ type: 'string', format: 'binary' }) }])),
      },
      ...authErrors,
    },
  }),
  async (c) => {
    const upload = await findUploadInScope(c.var.sql, c.var.user, c.req.valid('param').id);
    if (!upload) throw notFound('upload');
    // Opened before answering, so a missing file is a logged 500 rather than a truncated 200.
    const handle = await open(storedPath(c.var.deps.env.DATA_DIR, upload.sha256, upload.id), 'r');
    const body = Readable.toWeb(handle.createReadStream()) as unknown as ReadableStream;
    return c.body(body, 200, {
      'content-type': upload.contentType,
      'content-length': String(upload.size),
      'content-disposition': attachment(upload.filename),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-cache',
    });
  },
);
