import type { Task } from '@/api/client';
import { daysLeft } from './format';
import { t } from './i18n';

export const stateLabel = (s: Task['state']) => t(`states.${s}`);

/** "还剩 5 天" / "今天截止" / "已逾期 3 天" */
export function dueText(deadline: string): string {
  const d = daysLeft(deadline);
  if (d > 1) return t('task.dueIn', { days: d - 1 });
  if (d === 1) return t('task.dueToday');
  return t('task.overdue', { days: -d + 1 });
}

/** States in which the unit still has something to do. */
export const openForUnit: Task['state'][] = ['dispatched', 'claimed', 'returned'];
