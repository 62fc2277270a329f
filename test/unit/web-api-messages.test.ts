import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodError } from '../../api/errors';
import { checkYear } from '../../lib/calendar';
import { planDateProblem, text, wholeNumber } from '../../lib/input';
import { evidenceProblem, extensionProblem, returnProblem, scoreProblem, valueProblem } from '../../workflows/task-rules';
import { translateApiMessage } from '../../web/src/shared/api-messages';
import { setLocale } from '../../web/src/shared/i18n';

// The app shows the API's refusals in Chinese. These messages come from the API's own rules (the same functions
// the endpoints and the workflow validators call), so a reworded rule that the catalogue no longer knows shows
// up here rather than as English on a chair's phone.

const zodMessage = (schema: z.ZodType, value: unknown) => {
  const result = z.object({ field: schema }).safeParse({ field: value });
  return describeZodError(result.error!, 'body').message;
};
const ctx = { now: Date.parse('2027-03-01T00:00:00Z'), deadline: '2027-06-30T16:00:00Z', year: 2027 };
const boolean = { code: 'GF-01', measure: { type: 'boolean' as const, unit: { zh: '', en: '' } } };
const rate = { code: 'GF-03', measure: { type: 'rate' as const, unit: { zh: '%', en: '%' } } };
const count = { code: 'HS-02', measure: { type: 'count' as const, unit: { zh: '次', en: 'times' } } };

const cases: [string, string][] = [
  [valueProblem(boolean, 2)!.message, '请填写 1（是）或 0（否）'],
  [valueProblem(rate, 120)!.message, '比例须在 0 到 100 之间'],
  [valueProblem(count, 1.5)!.message, '请填写整数'],
  [valueProblem(count, -1)!.message, '不能小于 0'],
  [scoreProblem(5, 7)!.message, '评分须在 0 到 5 之间'],
  [returnProblem({}, ctx)!.message, '退回须填写原因'],
  [returnProblem({ reason: '补充', deadline: '2027-01-01T00:00:00Z' }, ctx)!.message, '新截止时间须晚于现在'],
  [extensionProblem('2027-05-01T00:00:00Z', ctx)!.message, '延期后的截止时间须晚于现在的截止时间'],
  [evidenceProblem({ code: 'HS-02', evidence: { required: true, kinds: ['photo'] } } as never, true, [])!.message, 'HS-02 的最终反馈须附佐证材料'],
  [`deadline: ${planDateProblem('2035-01-01T00:00:00Z', 2027)}`, '须在'],
  [zodMessage(z.number(), undefined), '必填'],
  [zodMessage(z.number(), 'x'), '请填写数字'],
  [zodMessage(z.enum(['a', 'b']), 'c'), '请从给定选项中选择'],
  [zodMessage(text('name'), ''), '不能为空'],
  [zodMessage(text('reason', { min: 2 }), '一'), '至少 2 个字'],
  [zodMessage(text('name'), '一'.repeat(500)), '最多'],
  [zodMessage(text('name'), 'a\u0000b'), '包含无法识别的字符'],
  [zodMessage(wholeNumber(), 1.5), '请填写整数'],
  [zodMessage(z.string().uuid(), 'x'), '格式不正确'],
  [`holidays[0].date: ${checkYear('2027', { holidays: [{ date: '2028-01-01', name: '元旦' }], workdays: [] })[0]!.message}`, '2028-01-01 不在 2027 年内'],
  [`workdays[0].date: ${checkYear('2027', { holidays: [], workdays: [{ date: '2027-02-03', name: '调休' }] })[0]!.message}`, '须是周六或周日'],
  [`HL-02: points: ${zodMessage(z.number().positive('points must be > 0'), 0).replace(/^body\.field: /, '')}`, '须大于 0'],
];

describe('the API’s refusals in the app’s Chinese', () => {
  it.each(cases)('%s', (message, expected) => {
    setLocale('zh-CN');
    const shown = translateApiMessage(message);
    expect(shown).toContain(expected);
    expect(shown).not.toMatch(/[A-Za-z]{4,}/); // no English word left for the person
  });

  it('keeps the API’s words, after 填写有误, for a message the catalogue does not know', () => {
    setLocale('zh-CN');
    expect(translateApiMessage('body.x: something new went wrong')).toBe('填写有误（body.x: something new went wrong）');
  });

  it('shows the English catalogue’s reader the API’s own words', () => {
    setLocale('en');
    expect(translateApiMessage(scoreProblem(5, 7)!.message)).toBe('score: must be between 0 and 5');
    setLocale('zh-CN');
  });
});
