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
}

export interface Digest {
  subject: string;
  content: string;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * 提醒 or 预警 for `orgName`'s tasks in `items` (two or more), one line a task in code order, as many as fit in
 * `maxBytes` with the count of the rest and the link to where they are all listed.
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
  const lines = sorted.map((i) => `${i.code} ${i.name}${shared ? '' : `（截止 ${i.deadline}）`}`);
  const head = `${tag}${header}`;
  const tail = (left: number) => (left > 0 ? `……另有 ${left} 项，全部见：${link}` : link);
  // The most lines that fit with the tail naming what was left out.
  let shown = lines.length;
  const size = (k: number) => bytes([head, ...lines.slice(0, k), tail(lines.length - k)].join('\n'));
  while (shown > 0 && size(shown) > maxBytes) shown -= 1;
  return { subject: `${tag}${subject}`, content: [head, ...lines.slice(0, shown), tail(lines.length - shown)].join('\n') };
}
