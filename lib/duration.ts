/** Milliseconds in an ISO-8601 duration such as `P5D`, `PT30S`, `P1DT12H` or `P2W`; null if it is not one. */
export function parseIsoDuration(text: string): number | null {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const [, w, d, h, min, s] = m;
  const n = (v: string | undefined) => (v ? Number(v) : 0);
  return ((n(w) * 7 + n(d)) * 24 * 3600 + n(h) * 3600 + n(min) * 60 + n(s)) * 1000;
}
