// The text of a digest: one group-robot message (or e-mail) for a unit's rungs that fell due together, instead of
// one per task. A unit's 23 warnings at one deadline are one piece of news to its robot and its township's, and group
// robots rate-limit (DingTalk and WeCom both take about 20 messages a minute per robot), so a message per task
// would be throttled and lost exactly when a deadline passes for many units.

/** WeCom's group robot takes at most 2,048 bytes of text (DingTalk's 20,000): a digest stays under the smaller. */
export const robotTextBytes = 2048;

export interface DigestItem {
  /** Indicator code and name, e.g. HS-01 建会入会. */
  code: string;
  name: string;
  /** The task's deadline as the notice shows it (Beijing time). */
  deadline: string;
  /** The unit whose task it is, when a digest may cover several (a township's robot hears of all its units at once). */
  org?: string;
}

export interface Digest {
  subject: string;
  content: string;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * 提醒 or 预警 for `orgName`'s tasks in `items` (two or more): one line a task in code order or, when they belong to
 * several units, one line a unit with its count of tasks (most first), as many lines as fit in `maxBytes` with the
 * count of the rest and the link to where they are all listed.
 */
export function rungDigest(kind: 'remind' | 'warn', orgName: string, items: DigestItem[], link: string, maxBytes = robotTextBytes): Digest {
  const sorted = [...items].sort((a, b) => a.code.localeCompare(b.code) || a.deadline.localeCompare(b.deadline));
  const deadlines = new Set(sorted.map((i) => i.deadline));
  const shared = deadlines.size === 1 ? `（截止 ${sorted[0]!.deadline}）` : '';
  const n = sorted.length;
  const [tag, subject, header] =
    kind === 'remind'
      ? ['【提醒】', `${orgName} ${n} 项任务即将到期`, `${orgName}有 ${n} 项任务${shared}即将到期，请按时完成并上报：`]
      : ['【预警】', `${orgName} ${n} 项任务已到期未完成`, `${orgName}有 ${n} 项任务${shared}已到期仍未完成，请尽快上报：`];
  const perOrg = new Map<string, number>();
  for (const i of sorted) if (i.org !== undefined) perOrg.set(i.org, (perOrg.get(i.org) ?? 0) + 1);
  const byUnit = perOrg.size > 1;
  const lines = byUnit
    ? [...perOrg].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([org, count]) => `${org} ${count} 项`)
    : sorted.map((i) => `${i.code} ${i.name}${shared ? '' : `（截止 ${i.deadline}）`}`);
  const head = `${tag}${header}`;
  const tail = (left: number) => (left > 0 ? `……另有 ${left} ${byUnit ? '个单位' : '项'}，全部见：${link}` : link);
  // The most lines that fit with the tail naming what was left out (sizes summed once: a township's digest can
  // cover thousands of tasks).
  const prefix = [bytes(head)];
  for (const line of lines) prefix.push(prefix.at(-1)! + 1 + bytes(line));
  const size = (k: number) => prefix[k]! + 1 + bytes(tail(lines.length - k));
  let shown = lines.length;
  while (shown > 0 && size(shown) > maxBytes) shown -= 1;
  return { subject: `${tag}${subject}`, content: [head, ...lines.slice(0, shown), tail(lines.length - shown)].join('\n') };
}
