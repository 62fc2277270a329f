import { ApiError, OfflineError } from '@/api/client';
import { t } from './i18n';
import { translateApiMessage } from './api-messages';

/** What a person should read for a failure; `field` is the form field to show it beside, if the API named one. */
export function explain(err: unknown): { message: string; field?: string; conflict: boolean; offline: boolean } {
  if (err instanceof OfflineError) return { message: t('common.offline'), conflict: false, offline: true };
  if (err instanceof ApiError) {
    const message = translateApiMessage(err.message, err.code);
    // A 409 that says the thing moved on since it was read (another person's change) offers a reload; a 409 naming a
    // field is a clash with existing data (a code already used), shown on the field; any other 409 (a closed plan, a
    // need already forwarded) is said as it is.
    const movedOn = err.code === 'stale' || err.code === 'illegal_transition' || /changed since/.test(err.message);
    if (err.status === 409 && !err.field && movedOn) return { message: `${t('common.conflict')}（${message}）`, conflict: true, offline: false };
    if (err.status === 503) return { message: `${message}${t('common.keptTyped')}`, conflict: false, offline: false };
    return { message, field: err.field?.replace(/^body\./, ''), conflict: false, offline: false };
  }
  return { message: err instanceof Error ? err.message : String(err), conflict: false, offline: false };
}
