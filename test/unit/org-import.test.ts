import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseCsv, parseOrgImport, type RowError } from '../../api/orgs/import-parse';

// As the route builds it: code, name and name without 总工会 all lead to the township id.
const townships = new Map<string, string>([
  ['FY-T01', 'id-fuchun'],
  ['富春街道总工会', 'id-fuchun'],
  ['富春街道', 'id-fuchun'],
  ['FY-T06', 'id-wanshi'],
  ['万市镇总工会', 'id-wanshi'],
  ['万市镇', 'id-wanshi'],
]);

const utf8 = (text: string) => new TextEncoder().encode(text);
const BOM = '\uFEFF';
const csv = (text: string, filename = 'units.csv') => parseOrgImport({ bytes: utf8(text), filename }, townships);
const fieldsOf = (errors: RowError[], row: number) => errors.filter((e) => e.row === row).map((e) => e.field).sort();

describe('parseOrgImport: CSV', () => {
  it('reads a UTF-8 CSV with BOM, CRLF and quoted fields holding commas, quotes and line breaks', async () => {
    const text =
      BOM +
      'code,name,type,township,members,female_members,note\r\n' +
      'FY-T01-U901,"杭州富春江纸业有限公司工会",enterprise,FY-T01,2380,560,\r\n' +
      'FY-T06-U902,"万市镇""小微""企业, 联合工会",区域联合工会,万市镇总工会,120,48,\r\n' +
      'FY-T06-U903,银湖外卖骑手工会,新业态工会,万市镇,35,2,"骑手站点\n两处"\r\n';
    const { rows, errors } = await csv(text);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { row: 2, code: 'FY-T01-U901', name: '杭州富春江纸业有限公司工会', unitType: 'enterprise', townshipId: 'id-fuchun', members: 2380, femaleMembers: 560 },
      { row: 3, code: 'FY-T06-U902', name: '万市镇"小微"企业, 联合工会', unitType: 'joint_regional', townshipId: 'id-wanshi', members: 120, femaleMembers: 48 },
      { row: 4, code: 'FY-T06-U903', name: '银湖外卖骑手工会', unitType: 'new_employment', townshipId: 'id-wanshi', members: 35, femaleMembers: 2 },
    ]);
  });

  it('holds a name to the one text rule: no line breaks, NUL or control characters; NFC', async () => {
    const text =
      'code,name,type,township,members,female_members\n' +
      'FY-T06-U904,"银湖\n外卖骑手工会",新业态工会,万市镇,35,2\n' +
      'FY-T06-U905,"富春\u0000工会",企业工会,万市镇,35,2\n' +
      'FY-T06-U906,Cafe\u0301工会,企业工会,万市镇,35,2\n';
    const { rows, errors } = await csv(text);
    expect(errors.map((e) => [e.row, e.field])).toEqual([[2, 'name'], [3, 'name']]);
    expect(errors[1]!.message).toMatch(/NUL/);
    expect(rows.map((r) => r.name)).toEqual(['Caf\u00e9工会']);
  });

  it('accepts Chinese headers in any column order, Chinese type labels and LF line ends', async () => {
    const text = [
      ' 名称 ,编码,所属镇街,类型,女会员数,会员数,备注',
      '洞桥镇中心小学工会,U-001,富春街道,机关事业单位工会,40,62,学校',
      '富阳区快递行业联合工会,U-002,FY-T01,联合工会(行业),30,210,',
      '富阳区造纸行业联合工会,U-003,FY-T01,联合工会（区域）,0,0,',
      '杭州鹳山汽车零部件有限公司工会,U-004,万市镇总工会,企业工会,300,1560,',
      '区域工会,U-005,FY-T06,JOINT_TRADE,1,1,',
    ].join('\n');
    const { rows, errors } = await csv(text);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.row, r.code, r.unitType, r.townshipId, r.members, r.femaleMembers])).toEqual([
      [2, 'U-001', 'institution', 'id-fuchun', 62, 40],
      [3, 'U-002', 'joint_trade', 'id-fuchun', 210, 30],
      [4, 'U-003', 'joint_regional', 'id-fuchun', 0, 0],
      [5, 'U-004', 'enterprise', 'id-wanshi', 1560, 300],
      [6, 'U-005', 'joint_trade', 'id-wanshi', 1, 1],
    ]);
  });

  it('accepts English headers in any case and with spaces', async () => {
    const { rows, errors } = await csv('CODE, Name ,Type,TOWNSHIP,Members,Female Members\nAB,甲工会,enterprise,FY-T01,10,5\n');
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(1);
  });

  it('reports every bad field of every bad row with its spreadsheet row number, and keeps the good rows', async () => {
    const text = [
      'code,name,type,township,members,female_members',
      'GOOD-1,好工会,enterprise,FY-T01,10,3', // row 2
      ',,,,,', // row 3: blank, skipped
      ',无编码工会,enterprise,FY-T01,10,3', // row 4: code missing
      'BAD CODE!,工会,企业,鹿山街道,-5,2', // row 5: code, type, township, members
      `X1,${'长'.repeat(101)},enterprise,FY-T01,12.5,abc`, // row 6: name, members, female_members
      'X2,工会,enterprise,FY-T01,10,11', // row 7: more women than members
      '', // row 8: blank line
      'X3,,,,,', // row 9: name, type, township, members, female_members all empty
      'GOOD-2,好工会二,institution,FY-T06,0,0', // row 10
    ].join('\n');
    const { rows, errors } = await csv(text);
    expect(rows.map((r) => [r.row, r.code])).toEqual([[2, 'GOOD-1'], [10, 'GOOD-2']]);
    expect(new Set(errors.map((e) => e.row))).toEqual(new Set([4, 5, 6, 7, 9]));
    expect(fieldsOf(errors, 4)).toEqual(['code']);
    expect(fieldsOf(errors, 5)).toEqual(['code', 'members', 'township', 'type']);
    expect(fieldsOf(errors, 6)).toEqual(['female_members', 'members', 'name']);
    expect(fieldsOf(errors, 7)).toEqual(['female_members']);
    expect(fieldsOf(errors, 9)).toEqual(['female_members', 'members', 'name', 'township', 'type']);
    const township = errors.find((e) => e.row === 5 && e.field === 'township');
    expect(township?.message).toContain('鹿山街道');
    const female = errors.find((e) => e.row === 7);
    expect(female?.message).toMatch(/11.*more than.*10/);
  });

  it('reports a duplicate code on the later row, naming the first, case-insensitively', async () => {
    const text = [
      'code,name,type,township,members,female_members',
      'FY-U1,甲工会,enterprise,FY-T01,10,3',
      'FY-U2,乙工会,enterprise,FY-T01,10,3',
      'fy-u1,丙工会,enterprise,FY-T01,10,3',
    ].join('\n');
    const { rows, errors } = await csv(text);
    expect(rows.map((r) => r.code)).toEqual(['FY-U1', 'FY-U2']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 4, field: 'code' });
    expect(errors[0]?.message).toContain('row 2');
  });

  it('reports each missing column once against row 1 and imports nothing', async () => {
    const { rows, errors } = await csv('编码,名称,类型,会员数\nA1,甲工会,enterprise,10\n');
    expect(rows).toEqual([]);
    expect(errors.map((e) => [e.row, e.field])).toEqual([[1, 'township'], [1, 'female_members']]);
    expect(errors[0]?.message).toContain('所属镇街');
  });

  it('reads a CSV saved by Chinese Excel in GB18030', async () => {
    // "编码,名称,类型,所属镇街,会员数,女会员数\nA1,甲工会,企业工会,万市镇,10,3" encoded as GB18030.
    const gbHeader = [0xb1, 0xe0, 0xc2, 0xeb, 0x2c, 0xc3, 0xfb, 0xb3, 0xc6, 0x2c, 0xc0, 0xe0, 0xd0, 0xcd, 0x2c,
      0xcb, 0xf9, 0xca, 0xf4, 0xd5, 0xf2, 0xbd, 0xd6, 0x2c, 0xbb, 0xe1, 0xd4, 0xb1, 0xca, 0xfd, 0x2c,
      0xc5, 0xae, 0xbb, 0xe1, 0xd4, 0xb1, 0xca, 0xfd, 0x0a];
    const gbRow = [...utf8('A1,'), 0xbc, 0xd7, 0xb9, 0xa4, 0xbb, 0xe1, 0x2c, 0xc6, 0xf3, 0xd2, 0xb5, 0xb9, 0xa4, 0xbb, 0xe1,
      0x2c, 0xcd, 0xf2, 0xca, 0xd0, 0xd5, 0xf2, ...utf8(',10,3\n')];
    const { rows, errors } = await parseOrgImport({ bytes: new Uint8Array([...gbHeader, ...gbRow]), filename: 'x.CSV' }, townships);
    expect(errors).toEqual([]);
    expect(rows).toEqual([{ row: 2, code: 'A1', name: '甲工会', unitType: 'enterprise', townshipId: 'id-wanshi', members: 10, femaleMembers: 3 }]);
  });

  it('reports an unclosed quote against the row where it opened', async () => {
    const { errors } = await csv('code,name,type,township,members,female_members\nA1,"甲工会,enterprise,FY-T01,10,3\n');
    expect(errors).toContainEqual(expect.objectContaining({ row: 2, field: 'file' }));
  });
});

describe('parseCsv', () => {
  it('splits RFC 4180 records: doubled quotes, empty fields, CR-only line ends, no trailing record', () => {
    expect(parseCsv('a,"b""c",\r\n"",x\ry\n').records).toEqual([['a', 'b"c', ''], ['', 'x'], ['y']]);
  });
});

describe('parseOrgImport: XLSX', () => {
  async function workbookBytes(fill: (ws: ExcelJS.Worksheet) => void): Promise<Uint8Array> {
    const wb = new ExcelJS.Workbook();
    fill(wb.addWorksheet('基层工会'));
    wb.addWorksheet('说明').addRow(['this sheet is ignored']);
    return new Uint8Array(await wb.xlsx.writeBuffer());
  }

  it('round-trips a workbook built with exceljs: numbers, rich text, formulas, blank rows', async () => {
    const bytes = await workbookBytes((ws) => {
      ws.addRow(['编码', '名称', '类型', '所属镇街', '会员数', '女会员数']);
      ws.addRow(['FY-T01-U901', '杭州富春江纸业有限公司工会', '企业工会', 'FY-T01', 2380, 560]);
      ws.addRow([]); // row 3 blank
      ws.addRow(['FY-T06-U902', { richText: [{ text: '万市镇' }, { text: '小微企业联合工会', font: { bold: true } }] }, '区域联合工会', '万市镇', { formula: '100+20', result: 120 }, 48]);
      ws.addRow(['FY-T06-U903', '坏行', '新业态工会', '万市镇', 10, 20]); // row 5: too many women
    });
    const { rows, errors } = await parseOrgImport({ bytes, filename: '导入.xlsx' }, townships);
    expect(rows).toEqual([
      { row: 2, code: 'FY-T01-U901', name: '杭州富春江纸业有限公司工会', unitType: 'enterprise', townshipId: 'id-fuchun', members: 2380, femaleMembers: 560 },
      { row: 4, code: 'FY-T06-U902', name: '万市镇小微企业联合工会', unitType: 'joint_regional', townshipId: 'id-wanshi', members: 120, femaleMembers: 48 },
    ]);
    expect(errors).toEqual([expect.objectContaining({ row: 5, field: 'female_members' })]);
  });

  it('rejects fractional member counts typed as numbers', async () => {
    const bytes = await workbookBytes((ws) => {
      ws.addRow(['code', 'name', 'type', 'township', 'members', 'female_members']);
      ws.addRow(['A1', '甲工会', 'enterprise', 'FY-T01', 10.5, 3]);
    });
    const { rows, errors } = await parseOrgImport({ bytes, filename: 'a.xlsx' }, townships);
    expect(rows).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ row: 2, field: 'members' })]);
  });

  it('refuses bytes that are not a workbook', async () => {
    await expect(parseOrgImport({ bytes: utf8('not a zip'), filename: 'a.xlsx' }, townships)).rejects.toThrow(/could not be read/);
  });
});

describe('parseOrgImport: file types', () => {
  it.each(['units.xls', 'units.txt', 'units'])('rejects %s, naming the accepted types', async (filename) => {
    const attempt = parseOrgImport({ bytes: utf8('code\n'), filename }, townships);
    await expect(attempt).rejects.toThrow(Error);
    await expect(attempt).rejects.toThrow(/\.csv.*\.xlsx/);
  });
});
