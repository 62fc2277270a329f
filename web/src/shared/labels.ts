import type { Task } from '@/api/client';
import { formatDate, formatDeadline } from './format';
import { t } from './i18n';

export const stateLabel = (s: Task['state']) => t(`states.${s}`);

/** An audit action as words: `task.return` → its `history.task_return` entry; an action the catalogue lacks shows as itself. */
export function historyText(action: string): string {
  const key = `history.${action.replace(/\./g, '_')}`;
  const text = t(key);
  return text === key ? action : text;
}

/** "还剩 5 天" / "今天截止" / "已逾期 3 天": whole calendar days in Shanghai between today and the deadline's last day. */
export function dueText(deadline: string, now = new Date()): string {
  const day = (ymd: string) => Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(5, 7)) - 1, Number(ymd.slice(8, 10)));
  const d = Math.round((day(formatDeadline(deadline)) - day(formatDate(now))) / 86_400_000);
  if (d > 0) return t('task.dueIn', { days: d });
  if (d === 0) return t('task.dueToday');
  return t('task.overdue', { days: -d });
}

/** States in which the unit still has something to do. */
export const openForUnit: Task['state'][] = ['dispatched', 'claimed', 'returned'];
