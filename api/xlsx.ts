// Excel workbooks written while they are sent: exceljs's streaming writer into the HTTP response, with the
// Chinese words offices read (states, lights, reasons) and Beijing wall-clock times.
import { z } from '@hono/zod-openapi';
import ExcelJS from 'exceljs';
import type { Context } from 'hono';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { attachment } from '../lib/content-disposition';
import type { AppEnv } from './context';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export type Book = ExcelJS.stream.xlsx.WorkbookWriter;
export type Sheet = ExcelJS.Worksheet;

/** The OpenAPI 200 of a workbook download. */
export const xlsxOk = (description: string) => ({
  description: `${description}. \`Content-Disposition\` carries an ASCII \`filename\` and the Chinese name in \`filename*\` (RFC 5987)`,
  headers: z.object({
    'Content-Disposition': z.string().openapi({ example: "attachment; filename=\"ranking.xlsx\"; filename*=UTF-8''2026%E5%B9%B4%E5%BA%A6%E5%AF%8C%E5%B7%A5%E5%BB%BA%E5%AE%B6%E8%AE%A1%E5%88%92-%E5%8D%95%E4%BD%8D%E6%8E%92%E5%90%8D.xlsx" }),
  }),
  content: { [XLSX_TYPE]: { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
});

/**
 * Call after each batch of rows: waits while the zip or the client is behind, and throws once the client has gone
 * (which ends the cursor feeding the sheet and frees its connection).
 */
export type Flow = (sheet: Sheet) => Promise<void>;

type Lagging = NodeJS.EventEmitter & { _writableState?: { needDrain?: boolean } };

/**
 * The stream exceljs pipes a sheet's XML into, on its way to the deflater. exceljs writes to it without ever
 * waiting, so rows committed faster than they are compressed pile up there, uncompressed: a district's 115,000
 * tasks held ~86 MiB at the peak (docs/benchmarks.md; exceljs issue #2916). Waiting for its `drain` keeps the backlog to one buffer. It is
 * exceljs's internals, hence looked up defensively: without it the export still works, only less frugally.
 */
function sheetEntry(sheet: Sheet): Lagging | undefined {
  const entry = (sheet as unknown as { _stream?: { pipes?: Lagging[] } })._stream?.pipes?.[0];
  return entry && typeof entry.once === 'function' ? entry : undefined;
}

/**
 * Answer with a workbook that `write` fills while it is being sent. Every check (scope, plan, parameters) must
 * happen before this is called: once the first byte is out, a failure can only cut the download short.
 */
export function streamWorkbook(c: Context<AppEnv>, file: { name: string; ascii: string }, write: (book: Book, flow: Flow) => Promise<void>): Response {
  const out = new PassThrough();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const gone = () => new Error('the client closed the download');
  const drained = async (stream: NodeJS.EventEmitter) => {
    const stop = new AbortController();
    try {
      await Promise.race([once(stream, 'drain', { signal: stop.signal }), once(out, 'close', { signal: stop.signal })]);
    } finally {
      stop.abort();
    }
    if (out.destroyed) throw gone();
  };
  const flow: Flow = async (sheet) => {
    if (out.destroyed) throw gone();
    const entry = sheetEntry(sheet);
    if (entry?._writableState?.needDrain) await drained(entry);
    if (out.writableNeedDrain) await drained(out);
  };
  const log = c.var.log;
  write(book, flow)
    .then(() => book.commit())
    .catch((err: unknown) => {
      log.warn({ err, file: file.ascii }, 'export cut short');
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  return c.body(Readable.toWeb(out) as unknown as ReadableStream, 200, {
    'content-type': XLSX_TYPE,
    'content-disposition': attachment(file.name, file.ascii),
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  });
}

export interface Column {
  header: string;
  key: string;
  width: number;
  numFmt?: string;
}

/** A sheet whose first row holds the (bold, frozen, filterable) Chinese headers. */
export function addSheet(book: Book, name: string, columns: Column[]): Sheet {
  const sheet = book.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width, style: c.numFmt ? { numFmt: c.numFmt } : {} }));
  sheet.getRow(1).font = { bold: true };
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  return sheet;
}

/** Add rows and hand them to the zip at once, so none stays in memory. */
export function commitRows(sheet: Sheet, rows: Record<string, unknown>[]) {
  for (const r of rows) sheet.addRow(r).commit();
}

/** A point in time as Beijing's wall clock, for an Excel date cell (Excel dates carry no time zone). */
export const beijing = (at: Date | string | null) => (at === null ? null : new Date(new Date(at).getTime() + 8 * 3600_000));
export const DATE_TIME = 'yyyy-mm-dd hh:mm';
export const PERCENT = '0.0%';

export const stateZh: Record<string, string> = {
  issued: '待分办',
  dispatched: '待认领',
  claimed: '已认领',
  reported: '已上报待审核',
  returned: '已退回待重做',
  reviewed: '镇街已审待区确认',
  approved: '已通过',
  exited: '已退出',
};
export const lightZh: Record<string, string> = { green: '绿灯 正常', blue: '蓝灯 已提醒', yellow: '黄灯 预警中', red: '红灯 督办中' };
export const lossReasonZh: Record<string, string> = {
  none: '未失分',
  below_target: '未达目标',
  gate_failed: '必备项未达标',
  returned: '退回未重做',
  not_reported: '未上报',
  pending: '待评价（不计入）',
  exited: '已退出（不计入）',
  not_dispatched: '未分办（不计入）',
};
export const targetSourceZh: Record<string, string> = {
  default: '指标默认值',
  unit_type: '按单位类型',
  size_class: '按规模档次',
  district_plan: '区计划设定',
  township_override: '镇街加严',
};
export const reviewActionZh: Record<string, string> = { 'task.approve': '通过', 'task.review': '镇街审核通过', 'task.return': '退回', 'task.exit': '退出' };
