import { t } from '@/shared/i18n';

/** The five categories in the catalogue's order: 红色 规范 活力 温暖 和谐. */
export const categoryCodes = ['HS', 'GF', 'HL', 'WN', 'HX'] as const;
export type CategoryCode = (typeof categoryCodes)[number];

/** 87.3, or — when there is nothing to show. */
export const fixed = (n: number | null | undefined) => (n === null || n === undefined ? '—' : (Math.round(n * 10) / 10).toFixed(1));

/** Each band its colour; the band's name is always written beside it. */
const bandColours: Record<string, string> = { 五星: '#ffd27a', 四星: '#7ee0a1', 三星: '#5eb1ff', 合格: '#b9c6d6', 不合格: '#ff8a80' };
export const bandColour = (band: string | null | undefined) => (band ? (bandColours[band] ?? '#6f86a3') : '#6f86a3');

/** ▲2 / ▼1 / ＝: places gained or lost since last week's snapshot, in words too. */
export function rankChangeText(change: number | null): string {
  if (change === null) return '';
  if (change > 0) return `▲${change}`;
  if (change < 0) return `▼${-change}`;
  return '＝';
}
export function rankChangeWords(change: number | null): string {
  if (change === null) return t('screen.rankNew');
  if (change > 0) return t('screen.rankUp', { n: change });
  if (change < 0) return t('screen.rankDown', { n: -change });
  return t('screen.rankSame');
}
