// Bulk import of grassroots units from a spreadsheet a township officer fills in. Pure: bytes in,
// validated rows and per-field errors out; the route decides what to do with a partly bad file.
import ExcelJS from 'exceljs';
import { DomainError } from '../../lib/errors';
import { checkText } from '../../lib/input';

export type ImportUnitType = 'enterprise' | 'joint_regional' | 'joint_trade' | 'institution' | 'new_employment';

/** A row that passed every check, ready to insert under `townshipId`. */
export interface ImportRow {
  /** Spreadsheet row number as the user sees it; the header is row 1. */
  row: number;
  code: string;
  name: string;
  unitType: ImportUnitType;
  townshipId: string;
  members: number;
  femaleMembers: number;
}

/** One bad field on one row; `field` is the English column key, e.g. `female_members`. */
export interface RowError {
  row: number;
  field: string;
  message: string;
}

export interface ImportFile {
  bytes: Uint8Array;
  filename: string;
}

type Column = 'code' | 'name' | 'type' | 'township' | 'members' | 'female_members';

/** Every column is required; the Chinese label is what a township officer's template carries. */
const COLUMNS: Record<Column, string> = {
  code: '编码',
  name: '名称',
  type: '类型',
  township: '所属镇街',
  members: '会员数',
  female_members: '女会员数',
};

const HEADER_ALIASES = new Map<string, Column>(
  (Object.entries(COLUMNS) as [Column, string][]).flatMap(([key, zh]) => [
    [key, key],
    [zh, key],
  ]),
);

const UNIT_TYPE_LABELS = new Map<string, ImportUnitType>([
  ['enterprise', 'enterprise'],
  ['joint_regional', 'joint_regional'],
  ['joint_trade', 'joint_trade'],
  ['institution', 'institution'],
  ['new_employment', 'new_employment'],
  ['企业工会', 'enterprise'],
  ['联合工会（区域）', 'joint_regional'],
  ['区域联合工会', 'joint_regional'],
  ['联合工会（行业）', 'joint_trade'],
  ['行业联合工会', 'joint_trade'],
  ['机关事业单位工会', 'institution'],
  ['新业态工会', 'new_employment'],
]);

const CODE_PATTERN = /^[A-Za-z0-9-]{2,40}$/;
const MAX_NAME_CHARS = 100;
// The orgs.members column is a Postgres integer.
const MAX_MEMBERS = 2_147_483_647;

export const ACCEPTED_IMPORT_TYPES = ['.csv', '.xlsx'] as const;

/** Parse and validate a .csv or .xlsx of grassroots units; throws only when the file itself is unusable. */
export async function parseOrgImport(
  file: ImportFile,
  townships: Map<string, string>,
): Promise<{ rows: ImportRow[]; errors: RowError[] }> {
  const lower = file.filename.trim().toLowerCase();
  let sheet: SheetRows;
  if (lower.endsWith('.csv')) sheet = csvSheet(file.bytes);
  else if (lower.endsWith('.xlsx')) sheet = await xlsxSheet(file.bytes);
  else {
    throw new DomainError(
      'unsupported_file',
      `"${file.filename}" is not an accepted file type; upload ${ACCEPTED_IMPORT_TYPES.join(' or ')}`,
      415,
    );
  }
  return validateSheet(sheet, townships);
}

// ---- reading ------------------------------------------------------------------------------

/** Rows as the user numbers them, blank rows included so later numbers stay right. */
interface SheetRows {
  rows: { row: number; cells: string[] }[];
  /** A problem with the file as a whole, reported against a row. */
  fileError?: RowError;
}

function csvSheet(bytes: Uint8Array): SheetRows {
  const { records, unclosedQuoteRecord } = parseCsv(decodeText(bytes));
  const sheet: SheetRows = { rows: records.map((cells, i) => ({ row: i + 1, cells })) };
  if (unclosedQuoteRecord !== null) {
    sheet.fileError = {
      row: unclosedQuoteRecord + 1,
      field: 'file',
      message: 'a quoted field is never closed: check for a stray " on this row',
    };
  }
  return sheet;
}

/** UTF-8 (BOM optional); Excel on Chinese Windows saves "CSV" as GB18030, so fall back to it. */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; CRLF, LF or CR end a record. */
export function parseCsv(text: string): { records: string[][]; unclosedQuoteRecord: number | null } {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoteOpenedIn = -1;
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
      } else {
        field += ch;
      }
      i += 1;
      continue;
    }
    if (ch === '"' && field === '') {
      inQuotes = true;
      quoteOpenedIn = records.length;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
    } else {
      // A quote inside an unquoted field is kept as text, as spreadsheets do.
      field += ch;
    }
    i += 1;
  }
  // A file that ends with a line break does not have an extra empty record.
  if (field !== '' || record.length > 0 || inQuotes) endRecord();
  return { records, unclosedQuoteRecord: inQuotes ? quoteOpenedIn : null };
}

async function xlsxSheet(bytes: Uint8Array): Promise<SheetRows> {
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs declares its own `Buffer` type that Node's Buffer does not satisfy; the runtime takes it.
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as Parameters<ExcelJS.Xlsx['load']>[0]);
  } catch {
    throw new DomainError('invalid_file', 'the .xlsx file could not be read; save it again from Excel or WPS and retry', 422);
  }
  const worksheet = workbook.worksheets[0];
  if (!worksheet) return { rows: [] };
  const rows: SheetRows['rows'] = [];
  worksheet.eachRow({ includeEmpty: false }, (r, rowNumber) => {
    const cells: string[] = [];
    // exceljs rows are 1-based; cellCount is the last used column.
    for (let c = 1; c <= r.cellCount; c++) cells.push(cellText(r.getCell(c).value));
    rows.push({ row: rowNumber, cells });
  });
  return { rows };
}

/** What the user sees in the cell, whatever exceljs stored (rich text, formula result, hyperlink). */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((t) => t.text).join('');
  if ('result' in value) return value.result === undefined ? '' : cellText(value.result as ExcelJS.CellValue);
  if ('text' in value) return cellText(value.text as ExcelJS.CellValue);
  if ('error' in value) return String(value.error);
  return '';
}

// ---- validating ---------------------------------------------------------------------------

const normaliseHeader = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');
// Half-width brackets and stray spaces are common when people type the labels themselves.
const normaliseType = (t: string) => t.replace(/\s+/g, '').replace(/\(/g, '（').replace(/\)/g, '）');
const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '');

function validateSheet(sheet: SheetRows, townships: Map<string, string>): { rows: ImportRow[]; errors: RowError[] } {
  const errors: RowError[] = sheet.fileError ? [sheet.fileError] : [];
  const [header, ...body] = sheet.rows;
  if (!header || header.row !== 1 || isBlank(header.cells)) {
    errors.unshift({ row: 1, field: 'header', message: `row 1 must be the header: ${describeColumns()}` });
    return { rows: [], errors };
  }

  const index = new Map<Column, number>();
  header.cells.forEach((h, i) => {
    const key = HEADER_ALIASES.get(normaliseHeader(h));
    if (key === undefined) return; // extra columns (notes, contacts) are ignored
    if (index.has(key)) errors.push({ row: 1, field: key, message: `column ${key} (${COLUMNS[key]}) appears twice` });
    else index.set(key, i);
  });
  for (const key of Object.keys(COLUMNS) as Column[]) {
    if (!index.has(key)) errors.push({ row: 1, field: key, message: `missing column ${key} (${COLUMNS[key]})` });
  }
  if (errors.some((e) => e.row === 1)) return { rows: [], errors };

  const rows: ImportRow[] = [];
  const firstRowOfCode = new Map<string, number>();
  for (const { row, cells } of body) {
    if (isBlank(cells)) continue;
    const cell = (key: Column) => (cells[index.get(key) as number] ?? '').trim();
    const fail = (field: Column, message: string) => errors.push({ row, field, message });
    const before = errors.length;

    const code = cell('code');
    if (code === '') fail('code', 'code (编码) is required');
    else if (!CODE_PATTERN.test(code)) fail('code', `code (编码) "${code}" must be 2–40 letters, digits or hyphens`);
    else {
      // Codes differing only in case would confuse everyone, so they count as duplicates.
      const first = firstRowOfCode.get(code.toUpperCase());
      if (first !== undefined) fail('code', `code (编码) "${code}" is already used on row ${first}`);
      else firstRowOfCode.set(code.toUpperCase(), row);
    }

    const rawName = cell('name');
    const checked = checkText(rawName, 'name', { min: 0 });
    const name = 'value' in checked ? checked.value : rawName;
    if ('problem' in checked) fail('name', `name (名称) ${checked.problem}`);
    else if (name === '') fail('name', 'name (名称) is required');
    else if ([...name].length > MAX_NAME_CHARS) fail('name', `name (名称) is longer than ${MAX_NAME_CHARS} characters`);

    const typeText = cell('type');
    const unitType = UNIT_TYPE_LABELS.get(typeText.toLowerCase()) ?? UNIT_TYPE_LABELS.get(normaliseType(typeText));
    if (unitType === undefined) {
      fail('type', typeText === ''
        ? 'type (类型) is required'
        : `type (类型) "${typeText}" is not one of 企业工会, 区域联合工会, 行业联合工会, 机关事业单位工会, 新业态工会`);
    }

    const townshipText = cell('township');
    const townshipId = townships.get(townshipText) ?? townships.get(townshipText.toUpperCase());
    if (townshipId === undefined) {
      fail('township', townshipText === '' ? 'township (所属镇街) is required' : `township (所属镇街) "${townshipText}" is not a township of this district`);
    }

    const members = wholeNumber(cell('members'));
    if (typeof members === 'string') fail('members', `members (会员数) ${members}`);
    const femaleMembers = wholeNumber(cell('female_members'));
    if (typeof femaleMembers === 'string') fail('female_members', `female_members (女会员数) ${femaleMembers}`);
    else if (typeof members === 'number' && femaleMembers > members) {
      fail('female_members', `female_members (女会员数) ${femaleMembers} is more than members (会员数) ${members}`);
    }

    if (errors.length === before && unitType && townshipId && typeof members === 'number' && typeof femaleMembers === 'number') {
      rows.push({ row, code, name, unitType, townshipId, members, femaleMembers });
    }
  }
  return { rows, errors };
}

/** A count ≥ 0, or the reason it is not one. */
function wholeNumber(text: string): number | string {
  if (text === '') return 'is required';
  if (!/^\d+$/.test(text)) return `must be a whole number ≥ 0, got "${text}"`;
  const n = Number(text);
  return n > MAX_MEMBERS ? `${text} is too large` : n;
}

const describeColumns = () =>
  (Object.entries(COLUMNS) as [Column, string][]).map(([key, zh]) => `${key}/${zh}`).join(', ');
