// The catalogue's fixed vocabularies as plain values, without zod: the workflows import these through the scoring
// module, and every module a workflow imports is built again for each workflow (indicators/schema.ts builds the
// catalogue's zod schemas from them).

/** The five categories (五大指数): 红色 red, 规范 standardised, 活力 vitality, 温暖 warmth, 和谐 harmony. */
export const CATEGORY_CODES = ['HS', 'GF', 'HL', 'WN', 'HX'] as const;

/** Index bands, lowest first; the order is the ranking (see bandRank in scoring). */
export const BANDS = ['不合格', '合格', '三星', '四星', '五星'] as const;
