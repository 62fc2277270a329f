import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo';

const maxBytes = 64 * 1024;
let s: DemoStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'jianjia-uploads-'));
  s = await startDemoStack({ DATA_DIR: dataDir, UPLOAD_MAX_BYTES: String(maxBytes) });
});
afterAll(async () => {
  await s?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// A real 1×1 PNG and a small PDF, each made unique so their hashes differ between tests.
const png = () => Buffer.concat([Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'), randomBytes(32)]);
const pdf = () => Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${randomUUID()}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function form(name: string, bytes: Uint8Array, type = 'application/octet-stream') {
  const body = new FormData();
  body.set('file', new Blob([bytes], { type }), name);
  return body;
}

async function upload(login: string, name: string, bytes: Uint8Array) {
  return s.call('POST', '/api/v1/uploads', { token: await s.token(login), body: form(name, bytes) });
}

/** Download the raw bytes; `call` would decode them as text. */
async function download(login: string, id: string) {
  const res = await fetch(`${s.baseUrl}/api/v1/uploads/${id}/content`, { headers: { authorization: `Bearer ${await s.token(login)}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every file under DATA_DIR/uploads, relative to it (staging leftovers included). */
async function storedFiles(): Promise<string[]> {
  const root = path.join(dataDir, 'uploads');
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name))).sort();
}

const uploadCount = async () => Number((await s.db.sql`select count(*)::int as n from uploads`)[0]!.n);

/** Nothing of a refused upload may remain: no row, no audit entry, no file, not even a staged one. */
async function expectNothingWritten(attempt: () => Promise<{ status: number; body: any }>) {
  const before = { rows: await uploadCount(), audit: (await s.db.sql`select count(*)::int as n from audit_log where action = 'upload.create'`)[0]!.n, files: await storedFiles() };
  const res = await attempt();
  expect(await uploadCount()).toBe(before.rows);
  expect((await s.db.sql`select count(*)::int as n from audit_log where action = 'upload.create'`)[0]!.n).toBe(before.audit);
  expect(await storedFiles()).toEqual(before.files);
  return res;
}

describe('uploading evidence', () => {
  it('stores a chair’s PNG and PDF for their own unit, under the hash shard and the upload id, with a SHA-256 the client can check', async () => {
    for (const [name, bytes, type] of [['活动照片.png', png(), 'image/png'], ['会议纪要.pdf', pdf(), 'application/pdf']] as const) {
      const res = await upload('unit-0001', name, bytes);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), sha256: sha256(bytes), size: bytes.length, contentType: type, filename: name, createdAt: expect.any(String) });
      const onDisk = await readFile(path.join(dataDir, 'uploads', res.body.sha256.slice(0, 2), res.body.id));
      expect(onDisk.equals(bytes)).toBe(true);
      const [row] = await s.db.sql`select org_id, uploaded_by from uploads where id = ${res.body.id}`;
      const [chair] = await s.db.sql`select id from users where login = 'unit-0001'`;
      expect(row).toEqual({ org_id: await s.orgId('FY-T01-U001'), uploaded_by: chair!.id });
      const trail = await s.db.sql`select action, actor_login from audit_log where subject_type = 'upload' and subject_id = ${res.body.id}`;
      expect(trail).toEqual([{ action: 'upload.create', actor_login: 'unit-0001' }]);
    }
    expect((await storedFiles()).filter((f) => f.startsWith('.incoming/'))).toEqual([]);
  });

  it('accepts an XLSX and a UTF-8 CSV, typing them by content and extension', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('台账').addRow(['日期', '活动', '人数']);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const sheet = await upload('unit-0001', '活动台账.xlsx', xlsx);
    expect(sheet.status).toBe(201);
    expect(sheet.body.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const csv = await upload('unit-0001', '签到表.csv', Buffer.from('\uFEFF姓名,签到\n张三,是\n', 'utf8'));
    expect(csv.status).toBe(201);
    expect(csv.body.contentType).toBe('text/csv; charset=utf-8');
  });
});

describe('reading evidence', () => {
  let photo: Buffer;
  let created: { id: string; sha256: string; filename: string };
  beforeAll(async () => {
    photo = png();
    created = (await upload('unit-0001', '活动照片 2024.png', photo)).body;
  });

  it('lets the chair, their township officer and the district download the identical bytes as an attachment', async () => {
    for (const login of ['unit-0001', 'township-01', 'district']) {
      const res = await download(login, created.id);
      expect(res.status, login).toBe(200);
      expect(sha256(res.bytes)).toBe(created.sha256);
      expect(res.bytes.equals(photo)).toBe(true);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('content-length')).toBe(String(photo.length));
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      const encoded = /filename\*=UTF-8''([^;\s]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      expect(decodeURIComponent(encoded ?? '')).toBe('活动照片 2024.png');

      const meta = await s.call('GET', `/api/v1/uploads/${created.id}`, { token: await s.token(login) });
      expect(meta.status).toBe(200);
      expect(meta.body).toMatchObject({ id: created.id, sha256: created.sha256, size: photo.length, contentType: 'image/png', filename: '活动照片 2024.png' });
    }
  });

  it('answers another unit’s chair and another township’s officer exactly as for an id that does not exist', async () => {
    for (const login of ['unit-0002', 'township-02']) {
      const token = await s.token(login);
      for (const suffix of ['', '/content']) {
        const hidden = await s.call('GET', `/api/v1/uploads/${created.id}${suffix}`, { token });
        const missing = await s.call('GET', `/api/v1/uploads/${randomUUID()}${suffix}`, { token });
        expect(hidden.status, `${login} ${suffix}`).toBe(404);
        expect(hidden.body).toEqual(missing.body);
        expect(hidden.headers.get('content-disposition')).toBeNull();
      }
    }
  });

  it('lets a township officer’s own upload be read by the district but not by a unit chair of that township', async () => {
    const minutes = pdf();
    const res = await upload('township-01', '镇街例会.pdf', minutes);
    expect(res.status).toBe(201);
    expect((await download('district', res.body.id)).bytes.equals(minutes)).toBe(true);
    expect((await download('unit-0001', res.body.id)).status).toBe(404);
  });
});

describe('refusing uploads', () => {
  it('refuses a file over UPLOAD_MAX_BYTES with 413 naming `file`, leaving no row and no file', async () => {
    const res = await expectNothingWritten(() => upload('unit-0001', 'big.pdf', Buffer.concat([pdf(), randomBytes(maxBytes)])));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'too_large', field: 'file' });
    expect(res.body.error.message).toContain(String(maxBytes));
  });

  it('refuses a body far over the cap before reading it, the same way', async () => {
    const res = await expectNothingWritten(() => upload('unit-0001', 'huge.png', Buffer.concat([png(), randomBytes(4 * maxBytes)])));
    expect(res.status).toBe(413);
    expect(res.body.error.field).toBe('file');
  });

  it('refuses an .exe, a PNG renamed .pdf, a PDF renamed .png and binary data named .txt with 415 naming the accepted types', async () => {
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), randomBytes(200)]);
    const attempts: [string, Buffer][] = [
      ['setup.exe', exe],
      ['photo.pdf', png()],
      ['minutes.png', pdf()],
      ['notes.txt', Buffer.concat([Buffer.from('会议记录\n', 'utf8'), Buffer.from([0xff, 0xfe, 0x00, 0x41])])],
      ['list.csv', Buffer.from('name,count\nA,1\n\u0000\n', 'utf8')],
      ['noextension', png()],
    ];
    for (const [name, bytes] of attempts) {
      const res = await expectNothingWritten(() => upload('unit-0001', name, bytes));
      expect(res.status, name).toBe(415);
      expect(res.body.error.field).toBe('file');
      expect(res.body.error.message).toMatch(/JPEG.*PNG.*WebP.*PDF.*\.docx.*\.xlsx.*\.txt.*\.csv/);
    }
  });

  it('removes the written file when the database refuses the row, so nothing is half-stored', async () => {
    await s.db.sql.unsafe(`
      create function refuse_upload() returns trigger language plpgsql as $$ begin raise exception 'disk quota for rows'; end $$;
      create trigger refuse_upload before insert on uploads for each row execute function refuse_upload();`);
    try {
      const res = await expectNothingWritten(() => upload('unit-0001', 'photo.png', png()));
      expect(res.status).toBe(500);
      expect(res.body.error.message).not.toContain('quota');
    } finally {
      await s.db.sql.unsafe('drop trigger refuse_upload on uploads; drop function refuse_upload();');
    }
    expect((await upload('unit-0001', 'photo.png', png())).status).toBe(201);
  });

  it('refuses an empty file with 422 and a request without the `file` field with 400, naming the field', async () => {
    const empty = await expectNothingWritten(() => upload('unit-0001', 'empty.txt', Buffer.alloc(0)));
    expect(empty.status).toBe(422);
    expect(empty.body.error.field).toBe('file');
    const other = new FormData();
    other.set('attachment', new Blob([png()]), 'photo.png');
    const missing = await expectNothingWritten(async () => s.call('POST', '/api/v1/uploads', { token: await s.token('unit-0001'), body: other }));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ field: 'form.file', message: expect.stringContaining('multipart field `file`') });
  });
});

describe('file names', () => {
  it('stores a path-traversal name under the upload id and shows it cleaned', async () => {
    const bytes = png();
    const res = await upload('unit-0001', '../../../etc/..\\cron\u0007\u202E"daily\r\n.png', bytes);
    expect(res.status).toBe(201);
    expect(res.body.filename).toBe('cron"daily.png');
    const shard = path.join(dataDir, 'uploads', res.body.sha256.slice(0, 2));
    expect(await readdir(shard)).toContain(res.body.id);
    expect(existsSync(path.join(dataDir, 'etc'))).toBe(false);
    expect(existsSync(path.resolve(dataDir, '..', 'etc', 'cron'))).toBe(false);
    const got = await download('unit-0001', res.body.id);
    expect(got.bytes.equals(bytes)).toBe(true);
    const disposition = got.headers.get('content-disposition') ?? '';
    expect(disposition).not.toMatch(/[\r\n\\/]|\.\./);
    expect(decodeURIComponent(/filename\*=UTF-8''([^;\s]+)/.exec(disposition)?.[1] ?? '')).toBe('cron"daily.png');
  });

  it('shortens a very long name to 200 characters, keeping the extension', async () => {
    const res = await upload('unit-0001', `${'很长的会议纪要'.repeat(50)}.pdf`, pdf());
    expect(res.status).toBe(201);
    expect(Array.from(res.body.filename as string)).toHaveLength(200);
    expect(res.body.filename).toMatch(/^很长的会议纪要.*\.pdf$/);
  });
});
