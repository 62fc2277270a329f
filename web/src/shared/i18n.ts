import { ref } from 'vue';
import { en, zh } from './messages';

export type Locale = 'zh-CN' | 'en';
// Read through globalThis so the pure parts (t, translateApiMessage) also load in Node for unit tests.
const browser = globalThis as { localStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void }; document?: { documentElement: { lang: string } } };
const stored = browser.localStorage?.getItem('jianjia.locale') ?? null;
export const locale = ref<Locale>(stored === 'en' ? 'en' : 'zh-CN');

export function setLocale(l: Locale) {
  locale.value = l;
  browser.localStorage?.setItem('jianjia.locale', l);
  if (browser.document) browser.document.documentElement.lang = l;
}

function lookup(tree: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), tree);
}

/** A message by dotted key, with {name} placeholders filled; English falls back to Chinese. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const found = (locale.value === 'en' ? lookup(en, key) : undefined) ?? lookup(zh, key);
  if (typeof found !== 'string') return key;
  return found.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** A list message (e.g. canned reasons). */
export const tList = (key: string): string[] => [...((lookup(zh, key) as readonly string[] | undefined) ?? [])];
