import { api, must } from '@/api/client';
import { locale, t } from './i18n';

/** What the screens need of an indicator; the catalogue response keeps indicators open-ended. */
export interface IndicatorInfo {
  code: string;
  category: string;
  name: { zh: string; en?: string };
  measure: { type: 'boolean' | 'rate' | 'count'; unit: { zh: string; en?: string } };
  points?: number;
}
export interface CategoryInfo {
  code: string;
  name: { zh: string; en?: string };
}

let loading: Promise<{ indicators: Map<string, IndicatorInfo>; categories: Map<string, CategoryInfo> }> | null = null;

/** The published catalogue, fetched once per page load. */
export function catalogue() {
  loading ??= must(api.GET('/api/v1/catalogue')).then((c) => ({
    indicators: new Map((c.indicators as unknown as IndicatorInfo[]).map((i) => [i.code, i])),
    categories: new Map((c.categories as unknown as CategoryInfo[]).map((k) => [k.code, k])),
  }));
  loading.catch(() => (loading = null));
  return loading;
}

export const localName = (n: { zh: string; en?: string } | undefined, fallback = '') => (n ? (locale.value === 'en' && n.en ? n.en : n.zh) : fallback);

/** "≥ 90%", yes/no, "≥ 4 次": a target in the indicator's measure. */
export function targetText(info: IndicatorInfo | undefined, target: number): string {
  if (!info) return String(target);
  if (info.measure.type === 'boolean') return target >= 1 ? t('common.yes') : t('common.no');
  return `≥ ${target}${localName(info.measure.unit)}`;
}
