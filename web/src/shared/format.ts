/** Dates as people in the district read them: Asia/Shanghai, whatever the browser's zone. */
const zone = 'Asia/Shanghai';
const dateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
const timeFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

const parts = (fmt: Intl.DateTimeFormat, d: Date) => Object.fromEntries(fmt.formatToParts(d).map((p) => [p.type, p.value]));

/** 2027-11-30 */
export function formatDate(iso: string | Date): string {
  const p = parts(dateFmt, new Date(iso));
  return `${p.year}-${p.month}-${p.day}`;
}

/** 2027-11-30 16:05 */
export function formatDateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const p = parts(timeFmt, new Date(iso));
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}

/**
 * A deadline is the first instant after the last day (the API's 2027-11-30T16:00Z is the end of 30 November
 * in Shanghai), so it is shown as that last day.
 */
export const formatDeadline = (iso: string) => formatDate(new Date(Date.parse(iso) - 1));

/** The deadline for "the end of this day" in Shanghai, as the API takes it. */
export const deadlineOfDay = (day: string) => new Date(`${day}T00:00:00+08:00`).getTime() + 86_400_000;
export const deadlineIso = (day: string) => new Date(deadlineOfDay(day)).toISOString();
