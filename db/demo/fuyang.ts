// Demo data modelled on Fuyang District, Hangzhou: the district federation, its 24 townships and
// streets, and ~260 grassroots unions with chairs. Company and person names are invented.
// Pure and deterministic: a seeded PRNG, fresh on every call, so two calls give equal data.

export type OrgLevel = 'district' | 'township' | 'grassroots';
export type UnitType = 'enterprise' | 'joint_regional' | 'joint_trade' | 'institution' | 'new_employment';
export type UserRole = 'district_admin' | 'department_staff' | 'township_officer' | 'grassroots_chair';

/** One row of the org tree, addressed by code; `parentCode` is null only for the district. */
export interface DemoOrg {
  code: string;
  name: string;
  level: OrgLevel;
  parentCode: string | null;
  /** Grassroots only; null for the district and townships. */
  unitType: UnitType | null;
  /** Grassroots only; the district's and townships' totals are rolled up, never stored. */
  members: number | null;
  femaleMembers: number | null;
}

/** A demo login; passwords are set by whoever loads the data, never here. */
export interface DemoUser {
  login: string;
  displayName: string;
  role: UserRole;
  orgCode: string;
  /** Only for department_staff. */
  department: string | null;
}

/** The district, its townships in official order, and the grassroots units (township order, then unit order). */
export interface DemoOrgTree {
  district: DemoOrg;
  townships: DemoOrg[];
  units: DemoOrg[];
}

export const DEMO_DISTRICT_CODE = 'FY';

/** The 24 townships and streets of Fuyang, in the order the district lists them. */
export const FUYANG_TOWNSHIPS = [
  '富春街道', '春江街道', '东洲街道', '鹿山街道', '银湖街道', '万市镇', '洞桥镇', '渌渚镇',
  '永昌镇', '里山镇', '常绿镇', '场口镇', '常安镇', '龙门镇', '新登镇', '胥口镇',
  '大源镇', '灵桥镇', '上官乡', '春建乡', '渔山乡', '湖源乡', '环山乡', '新桐乡',
] as const;

// ---- seeded PRNG (mulberry32) -------------------------------------------------------------

type Rng = () => number;

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

/** Fisher–Yates on a copy. */
function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

// ---- industries and names -----------------------------------------------------------------

interface Industry {
  suffix: string;
  /** Share of women in the workforce, low..high. */
  female: readonly [number, number];
}

const INDUSTRIES = {
  paper: { suffix: '纸业有限公司', female: [0.2, 0.35] },
  packaging: { suffix: '包装材料有限公司', female: [0.3, 0.45] },
  machinery: { suffix: '机械制造有限公司', female: [0.1, 0.25] },
  electrical: { suffix: '电器有限公司', female: [0.3, 0.5] },
  optical: { suffix: '光电科技有限公司', female: [0.35, 0.5] },
  garment: { suffix: '服饰有限公司', female: [0.6, 0.8] },
  sports: { suffix: '体育用品有限公司', female: [0.5, 0.7] },
  bamboo: { suffix: '竹木制品有限公司', female: [0.3, 0.45] },
  tea: { suffix: '茶业有限公司', female: [0.45, 0.6] },
  materials: { suffix: '新材料科技有限公司', female: [0.2, 0.35] },
  autoParts: { suffix: '汽车零部件有限公司', female: [0.15, 0.3] },
  printing: { suffix: '印刷有限公司', female: [0.3, 0.45] },
  building: { suffix: '建材有限公司', female: [0.1, 0.2] },
  food: { suffix: '食品有限公司', female: [0.5, 0.7] },
  medical: { suffix: '医疗器械有限公司', female: [0.45, 0.6] },
  hygiene: { suffix: '卫生用品有限公司', female: [0.5, 0.65] },
  logistics: { suffix: '物流有限公司', female: [0.1, 0.2] },
  hotel: { suffix: '酒店管理有限公司', female: [0.55, 0.7] },
  construction: { suffix: '建设有限公司', female: [0.08, 0.18] },
  software: { suffix: '网络科技有限公司', female: [0.3, 0.45] },
} as const satisfies Record<string, Industry>;

type IndustryKey = keyof typeof INDUSTRIES;
const ALL_INDUSTRIES = Object.keys(INDUSTRIES) as IndustryKey[];

const BRANDS = [
  '富春', '鹳山', '恩波', '江南', '春晖', '宏达', '永盛', '金舟', '华丰', '振兴', '天成', '博远',
  '瑞丰', '泰和', '鼎新', '恒昌', '嘉禾', '润泽', '华康', '明远', '汇通', '中宏', '利民', '兴业',
  '佳禾', '锦程', '信达', '誉丰', '长运', '百川', '万隆', '国丰', '晨光', '云峰', '富润', '江帆',
  '东吴', '新沙', '大青', '秀水', '青云', '松溪', '鸿运', '伟业', '凯达', '盛源', '荣发', '宝隆',
] as const;

/** What each township is known for; half of its enterprises come from here. */
const SPECIALTIES: Record<string, readonly IndustryKey[]> = {
  富春街道: ['hotel', 'logistics', 'construction', 'software'],
  春江街道: ['paper', 'packaging', 'printing'],
  东洲街道: ['sports', 'paper', 'machinery'],
  鹿山街道: ['machinery', 'electrical', 'construction'],
  银湖街道: ['optical', 'software', 'medical'],
  万市镇: ['bamboo', 'tea', 'food'],
  洞桥镇: ['bamboo', 'building'],
  渌渚镇: ['building', 'materials'],
  永昌镇: ['garment', 'machinery'],
  里山镇: ['tea', 'food'],
  常绿镇: ['materials', 'building'],
  场口镇: ['autoParts', 'machinery'],
  常安镇: ['tea', 'bamboo'],
  龙门镇: ['hotel', 'food'],
  新登镇: ['bamboo', 'garment', 'packaging'],
  胥口镇: ['medical', 'hygiene'],
  大源镇: ['paper', 'packaging'],
  灵桥镇: ['paper', 'materials', 'autoParts'],
  上官乡: ['tea', 'bamboo'],
  春建乡: ['food', 'tea'],
  渔山乡: ['building', 'machinery'],
  湖源乡: ['bamboo', 'tea'],
  环山乡: ['food', 'building'],
  新桐乡: ['sports', 'garment'],
};

interface FixedUnit {
  name: string;
  unitType: UnitType;
  members?: number;
  female?: readonly [number, number];
}

/** Units that exist by name: a few large factories, trade-wide joint unions, new-employment unions. */
const FIXED_UNITS: Record<string, readonly FixedUnit[]> = {
  富春街道: [
    { name: '富阳区快递行业联合工会', unitType: 'joint_trade', female: [0.15, 0.25] },
    { name: '富阳区家政服务行业联合工会', unitType: 'joint_trade', female: [0.8, 0.92] },
    { name: '富春街道外卖骑手工会', unitType: 'new_employment', female: [0.03, 0.1] },
    { name: '富阳区网约车司机工会', unitType: 'new_employment', female: [0.02, 0.08] },
  ],
  春江街道: [
    { name: '春江街道造纸行业联合工会', unitType: 'joint_trade', female: [0.2, 0.35] },
    { name: '春江街道快递员工会', unitType: 'new_employment', female: [0.05, 0.15] },
  ],
  东洲街道: [
    { name: '杭州富春江纸业有限公司工会', unitType: 'enterprise', members: 2380, female: [0.22, 0.3] },
    { name: '东洲街道羽毛球行业联合工会', unitType: 'joint_trade', female: [0.5, 0.65] },
    { name: '东洲街道货车司机工会', unitType: 'new_employment', female: [0.01, 0.05] },
  ],
  鹿山街道: [
    { name: '富阳区物业服务行业联合工会', unitType: 'joint_trade', female: [0.4, 0.55] },
    { name: '鹿山街道网约配送员工会', unitType: 'new_employment', female: [0.04, 0.12] },
  ],
  银湖街道: [
    { name: '浙江富春光通信科技股份有限公司工会', unitType: 'enterprise', members: 3150, female: [0.35, 0.45] },
    { name: '富阳区电商行业联合工会', unitType: 'joint_trade', female: [0.45, 0.6] },
    { name: '银湖街道外卖骑手工会', unitType: 'new_employment', female: [0.03, 0.1] },
    { name: '银湖街道网络主播工会', unitType: 'new_employment', female: [0.55, 0.75] },
  ],
  场口镇: [
    { name: '杭州鹳山汽车零部件有限公司工会', unitType: 'enterprise', members: 1560, female: [0.15, 0.25] },
    { name: '场口镇汽配行业联合工会', unitType: 'joint_trade', female: [0.15, 0.3] },
  ],
  龙门镇: [{ name: '龙门镇民宿行业联合工会', unitType: 'joint_trade', female: [0.55, 0.7] }],
  新登镇: [
    { name: '浙江新登竹木集团有限公司工会', unitType: 'enterprise', members: 1180, female: [0.3, 0.4] },
    { name: '新登镇竹木加工行业联合工会', unitType: 'joint_trade', female: [0.3, 0.45] },
    { name: '新登镇货车司机工会', unitType: 'new_employment', female: [0.01, 0.05] },
  ],
  大源镇: [{ name: '大源镇造纸行业联合工会', unitType: 'joint_trade', female: [0.2, 0.35] }],
  灵桥镇: [{ name: '杭州恩波新材料股份有限公司工会', unitType: 'enterprise', members: 1040, female: [0.2, 0.3] }],
};

interface Template {
  name: (t: string) => string;
  members: readonly [number, number];
  female: readonly [number, number];
}

const short = (t: string) => t.replace(/(街道|镇|乡)$/, '');

const STREET_INSTITUTIONS: readonly Template[] = [
  { name: (t) => `${t}办事处机关工会`, members: [25, 80], female: [0.35, 0.5] },
  { name: (t) => `${t}社区卫生服务中心工会`, members: [40, 160], female: [0.65, 0.8] },
  { name: (t) => `富阳区${short(t)}小学工会`, members: [50, 130], female: [0.65, 0.8] },
  { name: (t) => `富阳区${short(t)}幼儿园工会`, members: [12, 40], female: [0.9, 1] },
];
const TOWN_INSTITUTIONS: readonly Template[] = [
  { name: (t) => `${t}人民政府机关工会`, members: [18, 70], female: [0.3, 0.45] },
  { name: (t) => `${t}中心小学工会`, members: [35, 120], female: [0.6, 0.8] },
  { name: (t) => `${t}卫生院工会`, members: [30, 120], female: [0.6, 0.75] },
  { name: (t) => `${t}初级中学工会`, members: [40, 110], female: [0.5, 0.7] },
  { name: (t) => `${t}中心幼儿园工会`, members: [10, 30], female: [0.9, 1] },
];
const STREET_JOINTS: readonly Template[] = [
  { name: (t) => `${t}楼宇联合工会`, members: [80, 650], female: [0.4, 0.55] },
  { name: (t) => `${t}商圈联合工会`, members: [60, 400], female: [0.45, 0.6] },
];
const TOWN_JOINTS: readonly Template[] = [
  { name: (t) => `${t}小微企业联合工会`, members: [40, 500], female: [0.3, 0.45] },
  { name: (t) => `${t}工业功能区联合工会`, members: [100, 700], female: [0.25, 0.4] },
  { name: (t) => `${t}农家乐联合工会`, members: [20, 90], female: [0.5, 0.65] },
];

type TownshipKind = 'street' | 'town' | 'xiang';
const kindOf = (t: string): TownshipKind => (t.endsWith('街道') ? 'street' : t.endsWith('镇') ? 'town' : 'xiang');

/** Units per township: streets are densest, rural 乡 the thinnest. */
const UNIT_COUNT: Record<TownshipKind, readonly [number, number]> = { street: [13, 15], town: [10, 12], xiang: [8, 9] };

const femaleOf = (rng: Rng, members: number, [lo, hi]: readonly [number, number]) =>
  Math.min(members, Math.round(members * (lo + rng() * (hi - lo))));

/** An enterprise's size: mostly small and medium, some micro; the large ones are in FIXED_UNITS. */
function enterpriseMembers(rng: Rng): number {
  const r = rng();
  if (r < 0.2) return int(rng, 8, 24);
  if (r < 0.62) return int(rng, 25, 99);
  return 100 + Math.floor(900 * rng() ** 2);
}

const unitCode = (townshipCode: string, n: number) => `${townshipCode}-U${String(n).padStart(3, '0')}`;

function grassroots(code: string, parentCode: string, name: string, unitType: UnitType, members: number, femaleMembers: number): DemoOrg {
  return { code, name, level: 'grassroots', parentCode, unitType, members, femaleMembers };
}

/** The Fuyang org tree: district FY, townships FY-T01..FY-T24, units FY-Txx-U001.. */
export function demoOrgs(): DemoOrgTree {
  const rng = mulberry32(0x0f1a_2025);
  const district: DemoOrg = {
    code: DEMO_DISTRICT_CODE, name: '杭州市富阳区总工会', level: 'district',
    parentCode: null, unitType: null, members: null, femaleMembers: null,
  };
  const townships: DemoOrg[] = [];
  const units: DemoOrg[] = [];
  const usedNames = new Set<string>();

  FUYANG_TOWNSHIPS.forEach((t, i) => {
    const code = `${DEMO_DISTRICT_CODE}-T${String(i + 1).padStart(2, '0')}`;
    townships.push({ code, name: `${t}总工会`, level: 'township', parentCode: district.code, unitType: null, members: null, femaleMembers: null });

    const kind = kindOf(t);
    const target = int(rng, ...UNIT_COUNT[kind]);
    const planned: { name: string; unitType: UnitType; members: number; female: readonly [number, number] }[] = [];
    const fromTemplate = (tpl: Template, unitType: UnitType) =>
      planned.push({ name: tpl.name(t), unitType, members: int(rng, ...tpl.members), female: tpl.female });

    // Every township has a regional joint union for its small firms; busier ones have two.
    const joints = kind === 'street' ? STREET_JOINTS : TOWN_JOINTS;
    const jointCount = kind === 'xiang' ? 1 : int(rng, 1, 2);
    for (const tpl of joints.slice(0, jointCount)) fromTemplate(tpl, 'joint_regional');
    if (t === '龙门镇' || t === '湖源乡') fromTemplate(TOWN_JOINTS[2] as Template, 'joint_regional');

    const institutions = kind === 'street' ? STREET_INSTITUTIONS : TOWN_INSTITUTIONS;
    const institutionCount = kind === 'xiang' ? 2 : int(rng, 2, 3);
    // The government office always has a union; which schools and clinics follow varies.
    const [office, ...others] = institutions;
    fromTemplate(office as Template, 'institution');
    for (const tpl of shuffled(rng, others).slice(0, institutionCount - 1)) fromTemplate(tpl, 'institution');

    for (const f of FIXED_UNITS[t] ?? []) {
      const members = f.members ?? (f.unitType === 'joint_trade' ? int(rng, 80, 900) : int(rng, 30, 420));
      planned.push({ name: f.name, unitType: f.unitType, members, female: f.female ?? [0.3, 0.5] });
    }
    for (const p of planned) usedNames.add(p.name);

    const specialty = SPECIALTIES[t] ?? ALL_INDUSTRIES;
    while (planned.length < target) {
      const key = rng() < 0.5 ? pick(rng, specialty) : pick(rng, ALL_INDUSTRIES);
      const industry: Industry = INDUSTRIES[key];
      const prefix = rng() < 0.7 ? '杭州' : '杭州富阳';
      const name = `${prefix}${pick(rng, BRANDS)}${industry.suffix}工会`;
      if (usedNames.has(name)) continue;
      usedNames.add(name);
      planned.push({ name, unitType: 'enterprise', members: enterpriseMembers(rng), female: industry.female });
    }

    planned.forEach((p, j) => {
      units.push(grassroots(unitCode(code, j + 1), code, p.name, p.unitType, p.members, femaleOf(rng, p.members, p.female)));
    });
  });

  return { district, townships, units };
}

// ---- users --------------------------------------------------------------------------------

// Common Zhejiang surnames, with 孙 and 申屠 as a nod to Fuyang.
const SURNAMES = [
  '王', '陈', '张', '李', '徐', '周', '吴', '何', '孙', '胡', '朱', '蒋', '章', '沈', '杨', '黄',
  '俞', '金', '方', '汪', '钱', '叶', '郑', '楼', '骆', '邵', '潘', '董', '申屠', '夏',
] as const;
const GIVEN = [
  '建国', '晓燕', '丽华', '志强', '海峰', '静', '敏', '伟', '芳', '军', '红梅', '国平', '雪琴',
  '永明', '春燕', '立新', '秀英', '佳琪', '宇航', '慧', '文斌', '彩霞', '建华', '丹', '浩然',
  '美玲', '卫东', '晓东', '玉兰', '俊杰', '利群', '亚萍', '振华', '燕青', '少波', '雅琴',
] as const;

/** Invented, plausible, and distinct within the demo. */
function personNamer(seed: number): () => string {
  const rng = mulberry32(seed);
  const used = new Set<string>();
  return () => {
    for (;;) {
      const name = pick(rng, SURNAMES) + pick(rng, GIVEN);
      if (!used.has(name)) {
        used.add(name);
        return name;
      }
    }
  };
}

/** Demo logins: district admin, one department staffer, an officer per township and a chair per unit. */
export function demoUsers(): DemoUser[] {
  const { district, townships, units } = demoOrgs();
  const nextName = personNamer(0x5eed_0001);
  const users: DemoUser[] = [
    { login: 'district', displayName: '区总工会管理员', role: 'district_admin', orgCode: district.code, department: null },
    { login: 'dept-org', displayName: nextName(), role: 'department_staff', orgCode: district.code, department: '组织部' },
  ];
  townships.forEach((t, i) => {
    users.push({
      login: `township-${String(i + 1).padStart(2, '0')}`, displayName: nextName(),
      role: 'township_officer', orgCode: t.code, department: null,
    });
  });
  units.forEach((u, i) => {
    users.push({
      login: `unit-${String(i + 1).padStart(4, '0')}`, displayName: nextName(),
      role: 'grassroots_chair', orgCode: u.code, department: null,
    });
  });
  return users;
}
