import { locale, t } from './i18n';
import { apiErrorsZh } from './messages';

/** `overrides[0].target: 50 is looser…` → the part after the field the API names, and that field. */
const fieldPrefix = /^((?:body\.)?[\w-]+(?:\.[\w-]+|\[\d+\])*): /;

/** One of the API's messages in the person's language: Chinese by the catalogue, or the API's words, never nothing. */
export function translateApiMessage(message: string, code = 'invalid'): string {
  if (locale.value === 'en') return message;
  // zod lists several problems as `a: …; b: …`; each is translated on its own.
  const parts = message.split(/; (?=(?:body\.)?[\w-]+(?:\.[\w-]+|\[\d+\])*: )/);
  const out = parts.map((part) => {
    let text = part;
    while (fieldPrefix.test(text)) text = text.replace(fieldPrefix, '');
    const found = apiErrorsZh.find(([pattern]) => pattern.test(text));
    return found ? zhOf(text, found[0], found[1]) : null;
  });
  if (out.every((x) => x !== null)) return [...new Set(out)].join('；');
  return `${code === 'invalid' ? t('common.invalidInput') : t('common.notDone')}（${message}）`;
}
/** The Chinese sentence with the message's own values ($1…) put in. */
function zhOf(text: string, pattern: RegExp, zh: string): string {
  const m = text.match(pattern)!;
  return zh.replace(/\$(\d)/g, (_, n: string) => m[Number(n)] ?? '');
}
