import type { Light } from '@/api/client';
import { t } from './i18n';

/** Colours chosen to stay apart for the common colour-blindnesses; the word is always shown beside them. */
export const lightColours: Record<Light, string> = { green: '#1a7f37', blue: '#1f6feb', yellow: '#b58105', red: '#c8161d' };
export const lightOrder: Light[] = ['green', 'blue', 'yellow', 'red'];
export const lightWord = (l: Light) => t(`lights.${l}`);
export const lightMeaning = (l: Light) => t(`lights.${l}Meaning`);
/** 红·督办/约谈中 */
export const lightLabel = (l: Light) => `${lightWord(l)}·${lightMeaning(l)}`;
