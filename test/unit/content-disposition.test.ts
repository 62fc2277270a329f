import { describe, expect, it } from 'vitest';
import { attachment, rfc8187 } from '../../lib/content-disposition';

describe('Content-Disposition for Chinese file names', () => {
  it('gives the Chinese name as UTF-8 in filename* and the ASCII stand-in in filename', () => {
    expect(attachment('2026年度富工建家计划-单位排名.xlsx', 'ranking.xlsx')).toBe(
      `attachment; filename="ranking.xlsx"; filename*=UTF-8''2026%E5%B9%B4%E5%BA%A6%E5%AF%8C%E5%B7%A5%E5%BB%BA%E5%AE%B6%E8%AE%A1%E5%88%92-%E5%8D%95%E4%BD%8D%E6%8E%92%E5%90%8D.xlsx`,
    );
  });

  it('decodes back to the exact name, with the characters RFC 8187 forbids unescaped encoded', () => {
    const name = `会议纪要 (终稿) O'Brien *1* 100%.pdf`;
    const encoded = rfc8187(name);
    expect(encoded).not.toMatch(/[ '()*]/);
    expect(decodeURIComponent(encoded)).toBe(name);
  });

  it('keeps quotes, backslashes and non-ASCII out of the plain filename, so the header cannot be broken', () => {
    const header = attachment('报表"; filename="evil.exe\\.xlsx');
    const plain = /filename="([^"]*)"/.exec(header)![1];
    expect(plain).toMatch(/^[\x20-\x7e]*$/);
    expect(plain).not.toMatch(/["\\]/);
    // Exactly two parameters: one quoted-string without quotes or backslashes inside, one RFC 8187 value.
    expect(header).toMatch(/^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]*$/);
  });
});
