import type { Schemas } from '@/api/client';
import { t } from './i18n';

export type Need = Schemas['Need'];
export type NeedDetail = Schemas['NeedDetail'];
export type Adjustment = Schemas['Adjustment'];

export const needKinds: Need['kind'][] = ['difficulty', 'support', 'exemption', 'extension', 'suggestion', 'other'];
export const needStates: Need['state'][] = ['open', 'needs_info', 'forwarded', 'resolved', 'merged'];
export const urgencies: Need['urgency'][] = ['normal', 'urgent', 'critical'];
/** States in which a need still takes replies. */
export const liveStates: Need['state'][] = ['open', 'needs_info', 'forwarded'];

export const kindLabel = (k: string) => t(`needs.kinds.${k}`);
export const needStateLabel = (s: string) => t(`needs.states.${s}`);
export const urgencyLabel = (u: string) => t(`needs.urgencies.${u}`);

/** Tag colours for a need's state (Vant and Element Plus share these names). */
export const stateTone = (s: Need['state']) => ({ open: 'primary', needs_info: 'warning', forwarded: 'primary', resolved: 'success', merged: 'default' })[s];

/** The need a notice is about, from its link (…/api/v1/needs/{id}); null for any other notice. */
export function needOfNotice(link: string | null | undefined): string | null {
  const m = /\/needs\/([0-9a-f-]{36})$/.exec(link ?? '');
  return m ? m[1]! : null;
}

/** The form field an API refusal names, as the screen keys its fields: `class.unitTypes` → `unitTypes`, `indicators[0]` → `indicators`. */
export function fieldKey(field: string | undefined): string {
  if (!field) return '_';
  const f = field.replace(/^class\.(?=\w)/, '');
  return f.split(/[.[]/)[0] || '_';
}
