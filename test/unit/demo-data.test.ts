import { describe, expect, it } from 'vitest';
import { demoOrgs, demoUsers, type DemoOrg } from '../../db/demo/fuyang';

const TOWNSHIP_NAMES = [
  '富春街道', '春江街道', '东洲街道', '鹿山街道', '银湖街道', '万市镇', '洞桥镇', '渌渚镇',
  '永昌镇', '里山镇', '常绿镇', '场口镇', '常安镇', '龙门镇', '新登镇', '胥口镇',
  '大源镇', '灵桥镇', '上官乡', '春建乡', '渔山乡', '湖源乡', '环山乡', '新桐乡',
];

const sizeClass = (members: number) =>
  members < 25 ? 'micro' : members < 100 ? 'small' : members < 1000 ? 'medium' : 'large';

describe('Fuyang demo org tree', () => {
  const { district, townships, units } = demoOrgs();

  it('has the district FY at the root', () => {
    expect(district).toMatchObject({ code: 'FY', name: '杭州市富阳区总工会', level: 'district', parentCode: null });
  });

  it('lists the 24 townships and streets in official order, coded FY-T01..FY-T24', () => {
    expect(townships.map((t) => t.name)).toEqual(TOWNSHIP_NAMES.map((n) => `${n}总工会`));
    expect(townships.map((t) => t.code)).toEqual(TOWNSHIP_NAMES.map((_, i) => `FY-T${String(i + 1).padStart(2, '0')}`));
    for (const t of townships) expect(t).toMatchObject({ level: 'township', parentCode: 'FY', unitType: null });
  });

  it('has 240–300 grassroots units, 8–15 per township, streets busier than 乡', () => {
    expect(units.length).toBeGreaterThanOrEqual(240);
    expect(units.length).toBeLessThanOrEqual(300);
    const perTownship = townships.map((t) => units.filter((u) => u.parentCode === t.code).length);
    for (const n of perTownship) expect(n).toBeGreaterThanOrEqual(8);
    const streets = perTownship.slice(0, 5);
    const xiang = perTownship.slice(18);
    expect(Math.min(...streets)).toBeGreaterThan(Math.max(...xiang));
  });

  it('codes units FY-Txx-Unnn in township order, numbered from 001 within each township', () => {
    const byTownship = new Map<string, DemoOrg[]>();
    for (const u of units) byTownship.set(u.parentCode ?? '', [...(byTownship.get(u.parentCode ?? '') ?? []), u]);
    expect([...byTownship.keys()]).toEqual(townships.map((t) => t.code));
    for (const [code, list] of byTownship) {
      expect(list.map((u) => u.code)).toEqual(list.map((_, i) => `${code}-U${String(i + 1).padStart(3, '0')}`));
    }
  });

  it('has unique org codes and unique unit names', () => {
    const codes = [district, ...townships, ...units].map((o) => o.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(units.map((u) => u.name)).size).toBe(units.length);
  });

  it('gives every unit a Chinese union name, a type and plausible member counts', () => {
    for (const u of units) {
      expect(u.level).toBe('grassroots');
      expect(u.name).toMatch(/^[\u4e00-\u9fff]+工会$/);
      expect(u.unitType).not.toBeNull();
      expect(Number.isInteger(u.members)).toBe(true);
      expect(Number.isInteger(u.femaleMembers)).toBe(true);
      expect(u.femaleMembers as number).toBeGreaterThanOrEqual(0);
      expect(u.femaleMembers as number).toBeLessThanOrEqual(u.members as number);
    }
  });

  it('mixes every unit type, enterprises the most', () => {
    const counts = new Map<string, number>();
    for (const u of units) counts.set(u.unitType as string, (counts.get(u.unitType as string) ?? 0) + 1);
    for (const type of ['enterprise', 'joint_regional', 'joint_trade', 'institution', 'new_employment']) {
      expect(counts.get(type) ?? 0, type).toBeGreaterThan(0);
    }
    expect(counts.get('enterprise') as number).toBeGreaterThan(units.length / 2);
  });

  it('covers every size class, with only a few large factories', () => {
    const classes = units.map((u) => sizeClass(u.members as number));
    for (const c of ['micro', 'small', 'medium', 'large']) expect(classes, c).toContain(c);
    const large = classes.filter((c) => c === 'large').length;
    expect(large).toBeLessThanOrEqual(10);
  });

  it('is deterministic: two calls give identical data', () => {
    expect(demoOrgs()).toEqual(demoOrgs());
    expect(demoUsers()).toEqual(demoUsers());
  });
});

describe('Fuyang demo users', () => {
  const users = demoUsers();
  const { district, townships, units } = demoOrgs();
  const orgCodes = new Set([district, ...townships, ...units].map((o) => o.code));

  it('has exactly the specified logins, in order', () => {
    const expected = [
      'district',
      'dept-org',
      ...townships.map((_, i) => `township-${String(i + 1).padStart(2, '0')}`),
      ...units.map((_, i) => `unit-${String(i + 1).padStart(4, '0')}`),
    ];
    expect(users.map((u) => u.login)).toEqual(expected);
    expect(users[users.length - 1]?.login).toBe(`unit-${String(units.length).padStart(4, '0')}`);
  });

  it('uses logins the users table accepts and Chinese display names', () => {
    for (const u of users) {
      expect(u.login).toMatch(/^[a-z0-9][a-z0-9._-]{1,63}$/);
      expect(u.displayName).toMatch(/^[\u4e00-\u9fff]{2,8}$/);
    }
  });

  it('attaches every user to an existing org at the level its role works at', () => {
    const levelOf = new Map([district, ...townships, ...units].map((o) => [o.code, o.level]));
    const expectedLevel = {
      district_admin: 'district', department_staff: 'district', township_officer: 'township', grassroots_chair: 'grassroots',
    } as const;
    for (const u of users) {
      expect(orgCodes.has(u.orgCode), u.login).toBe(true);
      expect(levelOf.get(u.orgCode), u.login).toBe(expectedLevel[u.role]);
    }
  });

  it('gives the fixed accounts their roles, and a department only to department staff', () => {
    expect(users[0]).toEqual({ login: 'district', displayName: '区总工会管理员', role: 'district_admin', orgCode: 'FY', department: null });
    expect(users[1]).toMatchObject({ login: 'dept-org', role: 'department_staff', orgCode: 'FY', department: '组织部' });
    for (const u of users) expect(u.department !== null).toBe(u.role === 'department_staff');
  });

  it('puts township officers and unit chairs on their orgs in order', () => {
    const officers = users.filter((u) => u.role === 'township_officer');
    expect(officers.map((u) => u.orgCode)).toEqual(townships.map((t) => t.code));
    const chairs = users.filter((u) => u.role === 'grassroots_chair');
    expect(chairs.map((u) => u.orgCode)).toEqual(units.map((u) => u.code));
  });
});
