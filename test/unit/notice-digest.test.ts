// The digest a group robot receives for a unit's rungs that fell due together: every task named while it fits
// the smaller robot's limit (WeCom, 2,048 bytes), otherwise the count of the rest and where to see them all.
import { describe, expect, it } from 'vitest';
import { robotTextBytes, rungDigest, type DigestItem } from '../../lib/notice-digest';

const item = (n: number, deadline = '2026-12-31 17:00', name = '建会入会'): DigestItem => ({ code: `HS-${String(n).padStart(2, '0')}`, name, deadline });
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('rungDigest', () => {
  it('names every task of a small wave once, in code order, with the shared deadline in the heading', () => {
    const d = rungDigest('warn', '富春街道一号工会', [item(3), item(1), item(2)], 'https://jj.example/tasks');
    const lines = d.content.split('\n');
    expect(lines[0]).toBe('【预警】富春街道一号工会有 3 项任务（截止 2026-12-31 17:00）已到期仍未完成，请尽快上报：');
    expect(lines.slice(1, 4)).toEqual(['HS-01 建会入会', 'HS-02 建会入会', 'HS-03 建会入会']);
    expect(lines[4]).toBe('https://jj.example/tasks');
    expect(lines).toHaveLength(5);
    expect(d.subject).toBe('【预警】富春街道一号工会 3 项任务已到期未完成');
  });

  it('says a reminder is ahead of the deadline, and gives each task its own deadline when they differ', () => {
    const d = rungDigest('remind', '某工会', [item(1, '2026-12-31 17:00'), item(2, '2027-01-05 17:00')], 'https://jj.example/m/');
    expect(d.content.split('\n')).toEqual([
      '【提醒】某工会有 2 项任务即将到期，请按时完成并上报：',
      'HS-01 建会入会（截止 2026-12-31 17:00）',
      'HS-02 建会入会（截止 2027-01-05 17:00）',
      'https://jj.example/m/',
    ]);
    expect(d.subject).toBe('【提醒】某工会 2 项任务即将到期');
  });

  it('keeps a whole year of 23 long-named tasks under the robot limit and counts those it leaves out', () => {
    const long = '职工之家建设与会员服务阵地标准化运行管理情况'.repeat(2);
    const items = Array.from({ length: 23 }, (_, i) => item(i + 1, '2026-12-31 17:00', long));
    const d = rungDigest('warn', '富阳区某某街道某某村股份经济合作社工会联合会', items, 'https://jj.example/tasks');
    expect(bytes(d.content)).toBeLessThanOrEqual(robotTextBytes);
    const lines = d.content.split('\n');
    const listed = lines.filter((l) => l.startsWith('HS-'));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThan(23);
    expect(lines.at(-1)).toBe(`……另有 ${23 - listed.length} 项，全部见：https://jj.example/tasks`);
    expect(lines[0]).toContain('有 23 项任务');
    // As many as fit: one more line would not.
    const withOneMore = [...lines.slice(0, -1), `HS-${String(listed.length + 1).padStart(2, '0')} ${long}`, `……另有 ${22 - listed.length} 项，全部见：https://jj.example/tasks`];
    expect(bytes(withOneMore.join('\n'))).toBeGreaterThan(robotTextBytes);
  });

  it('names the units, most late tasks first, when a township’s robot hears of a whole wave at once', () => {
    const units = Array.from({ length: 208 }, (_, u) => `富春街道第${String(u + 1).padStart(3, '0')}号企业工会`);
    const items = units.flatMap((org, u) => Array.from({ length: u === 7 ? 23 : 22 }, (_, i) => ({ ...item(i + 1), org })));
    const d = rungDigest('warn', '208 个单位', items, 'https://jj.example/tasks');
    expect(bytes(d.content)).toBeLessThanOrEqual(robotTextBytes);
    const lines = d.content.split('\n');
    expect(lines[0]).toBe(`【预警】208 个单位有 ${items.length} 项任务（截止 2026-12-31 17:00）已到期仍未完成，请尽快上报：`);
    expect(lines[1]).toBe('富春街道第008号企业工会 23 项');
    expect(lines[2]).toBe('富春街道第001号企业工会 22 项');
    const listed = lines.slice(1, -1);
    expect(listed.length).toBeGreaterThan(10);
    expect(lines.at(-1)).toBe(`……另有 ${208 - listed.length} 个单位，全部见：https://jj.example/tasks`);
    // As many as fit: one more unit would not.
    const withOneMore = [...lines.slice(0, -1), '富春街道第999号企业工会 22 项', `……另有 ${207 - listed.length} 个单位，全部见：https://jj.example/tasks`];
    expect(bytes(withOneMore.join('\n'))).toBeGreaterThan(robotTextBytes);
  });

  it('lists all 23 tasks of a unit with the catalogue’s short names', () => {
    const items = Array.from({ length: 23 }, (_, i) => item(i + 1, '2026-12-31 17:00', '困难职工帮扶'));
    const d = rungDigest('warn', '某工会', items, 'https://jj.example/m/');
    expect(d.content.split('\n').filter((l) => l.startsWith('HS-'))).toHaveLength(23);
    expect(d.content).not.toContain('另有');
  });
});
