import type { z } from 'zod';
import { catalogueSchema, CATEGORY_CODES, DEFAULT_RATE_BANDS, type Catalogue, type CategoryCode, type indicatorSchema } from './schema';

// The default 23 of MISSION.md §2, assembled from published union schemes (Quzhou, Wenzhou, Fujian,
// Meilong, ACFTU "六有"). District staff edit and version it per year; this is only the starting point.
// Lower targets for small or hard-to-organise units follow 不搞一刀切; no override is above its default.

type IndicatorDraft = z.input<typeof indicatorSchema>;
type Shape = Pick<IndicatorDraft, 'measure' | 'scoring'>;

const yesNo: Shape = { measure: { type: 'boolean', unit: { zh: '是/否', en: 'yes/no' } }, scoring: { rule: 'boolean' } };
const percent: Shape = {
  measure: { type: 'rate', unit: { zh: '%', en: '%' } },
  scoring: { rule: 'banded_rate', bands: DEFAULT_RATE_BANDS.map((band) => ({ ...band })) },
};
const perYear = (zh: string, en: string): Shape => ({
  measure: { type: 'count', unit: { zh, en } },
  scoring: { rule: 'ratio_count' },
});

type Entry = Omit<IndicatorDraft, 'category' | 'duty' | 'twoTier' | 'measure' | 'scoring' | 'targets' | 'evidence'> &
  Shape & {
    target: number;
    byUnitType?: IndicatorDraft['targets']['byUnitType'];
    bySizeClass?: IndicatorDraft['targets']['bySizeClass'];
    evidence: string[];
    evidenceOptional?: boolean;
  };

// All 23 are grassroots duties by default; the district may move any to the township. Gates need district confirmation.
function indicator({ target, byUnitType, bySizeClass, evidence, evidenceOptional, ...rest }: Entry): IndicatorDraft {
  return {
    ...rest,
    category: rest.code.slice(0, 2) as CategoryCode,
    duty: 'grassroots',
    twoTier: rest.gate,
    targets: { default: target, ...(byUnitType && { byUnitType }), ...(bySizeClass && { bySizeClass }) },
    evidence: { required: !evidenceOptional, kinds: evidence },
  };
}

const indicators: IndicatorDraft[] = [
  // 红色 HS: political leadership
  indicator({
    code: 'HS-01', name: { zh: '党工共建机制', en: 'Party–union co-building mechanism' }, ...yesNo, target: 1, points: 6, gate: true,
    description: {
      zh: '建立党组织与工会共建机制，明确党组织班子成员分管工会工作，全年召开党工联席会议不少于2次并形成纪要。',
      en: 'A Party–union co-building mechanism is in place, a Party committee member is in charge of union work, and at least two joint meetings are held and minuted each year.',
    },
    department: '组织部', evidence: ['minutes', 'document'], frequency: 'yearly',
  }),
  indicator({
    code: 'HS-02', name: { zh: '政治引领活动', en: 'Political education events' }, ...perYear('场/年', 'events/yr'), target: 4,
    bySizeClass: { micro: 2, small: 3 }, byUnitType: { new_employment: 2 }, points: 5, gate: false,
    description: {
      zh: '围绕党的创新理论和形势政策，组织职工开展理论学习、主题宣讲、红色教育等政治引领活动。',
      en: 'Events that lead members politically: theory study, themed talks and red-heritage education.',
    },
    department: '宣传教育部', evidence: ['photo', 'minutes'], frequency: 'quarterly',
  }),
  indicator({
    code: 'HS-03', name: { zh: '推优入党', en: 'Recommending activists to the Party' }, ...perYear('人/年', 'persons/yr'), target: 1,
    points: 4, gate: false,
    description: {
      zh: '向党组织推荐优秀职工和工会积极分子作为入党积极分子或发展对象。',
      en: 'Outstanding workers and union activists are recommended to the Party organisation as candidates for membership.',
    },
    department: '组织部', evidence: ['document'], frequency: 'yearly',
  }),
  indicator({
    code: 'HS-04', name: { zh: '职工思想动态研判', en: 'Worker-sentiment analysis reports' }, ...perYear('份/年', 'reports/yr'), target: 2,
    bySizeClass: { micro: 1 }, points: 5, gate: false,
    description: {
      zh: '定期了解职工思想动态和利益诉求，形成分析研判报告，重要情况及时向上级工会和党组织报告。',
      en: "Workers' views and concerns are surveyed regularly and written up as analysis reports; significant issues are escalated promptly.",
    },
    department: '宣传教育部', evidence: ['document'], frequency: 'half_yearly',
  }),

  // 规范 GF: standardised operation
  indicator({
    code: 'GF-01', name: { zh: '按期换届', en: 'Timely re-election' }, ...yesNo, target: 1, points: 4, gate: true,
    description: {
      zh: '工会委员会任期届满按期换届，选举程序依法规范，选举结果报上级工会批复。',
      en: 'The union committee is re-elected when its term ends, by a lawful procedure, and the result is approved by the higher-level union.',
    },
    department: '组织部', evidence: ['minutes', 'document'], frequency: 'yearly',
  }),
  indicator({
    code: 'GF-02', name: { zh: '配套组织健全', en: 'Auxiliary bodies in place' }, ...yesNo, target: 1, points: 4, gate: false,
    description: {
      zh: '依法建立经费审查委员会；女会员10人以上的建立女职工委员会；建立劳动争议调解组织。',
      en: 'A funds audit committee, a female-workers committee where there are 10 or more women members, and a labour-dispute mediation body.',
    },
    department: '组织部', evidence: ['document'], frequency: 'yearly',
  }),
  indicator({
    code: 'GF-03', name: { zh: '职工入会率', en: 'Membership rate' }, ...percent, target: 90,
    byUnitType: { joint_regional: 85, joint_trade: 85, new_employment: 80 }, points: 5, gate: false,
    description: {
      zh: '已加入工会的职工占职工总数的比例，做到应建尽建、应入尽入。',
      en: 'Union members as a share of all workers in the unit.',
    },
    department: '基层工作部', evidence: ['spreadsheet'], frequency: 'yearly',
  }),
  indicator({
    code: 'GF-04', name: { zh: '经费规范管理', en: 'Funds managed to the rules' }, ...yesNo, target: 1, points: 5, gate: true,
    description: {
      zh: '工会经费独立建账、专户管理，按规定足额上解2%工会经费，每年开展经费审查并向会员（代表）大会报告。',
      en: "Union funds have their own account, the 2% levy is remitted in full, and a yearly audit is reported to the members' assembly.",
    },
    department: '财务部', evidence: ['document', 'spreadsheet'], frequency: 'yearly',
  }),
  indicator({
    code: 'GF-05', name: { zh: '台账档案完整率', en: 'Ledger/archive completeness' }, ...percent, target: 95,
    bySizeClass: { micro: 90 }, points: 4, gate: false,
    description: {
      zh: '按工会台账目录建立组织、会员、活动、经费等台账档案，已完整归档的项目占应建项目的比例。',
      en: 'Share of the required ledgers and archives (organisation, members, activities, funds) that are complete and filed.',
    },
    department: '基层工作部', evidence: ['spreadsheet', 'document'], frequency: 'yearly',
  }),

  // 活力 HL: vitality
  indicator({
    code: 'HL-01', name: { zh: '职工之家阵地', en: "Workers'-home space and equipment" }, ...yesNo, target: 1, points: 4, gate: false,
    description: {
      zh: '有固定的职工之家活动场所，配备必要的文体设施，标识规范并正常开放。',
      en: "A permanent workers'-home space with the necessary equipment and signage, open regularly.",
    },
    department: '基层工作部', evidence: ['photo'], frequency: 'yearly',
  }),
  indicator({
    code: 'HL-02', name: { zh: '文体活动场次', en: 'Cultural and sports events' }, ...perYear('场/年', 'events/yr'), target: 4,
    bySizeClass: { micro: 2, small: 3 }, points: 4, gate: false,
    description: {
      zh: '组织职工开展文化、体育活动的场次，包括参加上级工会组织的赛事。',
      en: 'Cultural and sports events organised for members, including contests run by the higher-level union.',
    },
    department: '宣传教育部', evidence: ['photo'], frequency: 'quarterly',
  }),
  indicator({
    code: 'HL-03', name: { zh: '活动参与率', en: 'Member participation rate' }, ...percent, target: 60,
    byUnitType: { new_employment: 50 }, points: 4, gate: false,
    description: {
      zh: '全年参加过工会组织活动的会员人数占会员总数的比例。',
      en: 'Share of members who took part in at least one union activity during the year.',
    },
    department: '宣传教育部', evidence: ['spreadsheet'], frequency: 'yearly',
  }),
  indicator({
    code: 'HL-04', name: { zh: '劳动技能竞赛与创新', en: 'Skills contests and small innovations' }, ...perYear('次/年', 'times/yr'),
    target: 1, points: 4, gate: false,
    description: {
      zh: '组织或参加劳动和技能竞赛，开展合理化建议、“五小”创新等职工技术创新活动。',
      en: 'Labour and skills contests organised or joined, and rationalisation proposals or "five smalls" innovations by workers.',
    },
    department: '经济技术部', evidence: ['photo', 'document'], frequency: 'yearly',
  }),
  indicator({
    code: 'HL-05', name: { zh: '数字会员激活率', en: 'Digital member activation' }, ...percent, target: 60, points: 4, gate: false,
    description: {
      zh: '会员在数字工会平台完成实名注册并激活账号的比例。',
      en: 'Share of members who have registered under their real name and activated their account on the digital union platform.',
    },
    department: '基层工作部', evidence: ['screenshot', 'spreadsheet'], frequency: 'yearly',
  }),

  // 温暖 WN: warmth and care
  indicator({
    code: 'WN-01', name: { zh: '困难职工建档帮扶', en: 'Needy workers filed and helped' }, ...percent, target: 100, points: 5, gate: false,
    description: {
      zh: '对符合条件的困难职工应建尽建档案，动态管理并落实帮扶措施；已建档并帮扶的人数占符合条件人数的比例。',
      en: 'Needy workers who qualify are filed, kept under review and helped; share of qualifying workers filed and helped.',
    },
    department: '权益保障部', evidence: ['spreadsheet', 'document'], frequency: 'half_yearly',
  }),
  indicator({
    code: 'WN-02', name: { zh: '走访慰问送温暖', en: 'Visits and condolences' }, ...perYear('次/年', 'campaigns/yr'), target: 1,
    points: 4, gate: false,
    description: {
      zh: '开展“两节”送温暖、夏送清凉及职工生病住院、婚丧嫁娶走访慰问等活动。',
      en: 'Visiting campaigns: the New Year and Spring Festival warmth drive, summer cooling, and visits when members are ill, marry or are bereaved.',
    },
    department: '权益保障部', evidence: ['photo', 'document'], frequency: 'yearly',
  }),
  indicator({
    code: 'WN-03', name: { zh: '职工互助保障参保率', en: 'Mutual-aid insurance coverage' }, ...percent, target: 80,
    bySizeClass: { micro: 70 }, byUnitType: { new_employment: 70 }, points: 4, gate: false,
    description: {
      zh: '参加职工互助保障计划的会员占会员总数的比例。',
      en: "Share of members covered by the union's mutual-aid insurance scheme.",
    },
    department: '权益保障部', evidence: ['spreadsheet'], frequency: 'yearly',
  }),
  indicator({
    code: 'WN-04', name: { zh: '女职工特殊保护', en: 'Female-worker special protection' }, ...yesNo, target: 1, points: 3, gate: false,
    description: {
      zh: '落实女职工经期、孕期、产期、哺乳期特殊保护，组织女职工健康检查，有条件的建立爱心妈咪小屋。',
      en: 'Women workers are protected during menstruation, pregnancy, childbirth and nursing, get health checks, and have a nursing room where feasible.',
    },
    department: '女职工部', evidence: ['document', 'photo'], frequency: 'yearly',
  }),

  // 和谐 HX: harmony and labour relations
  indicator({
    code: 'HX-01', name: { zh: '职代会召开', en: "Workers' congress held" }, ...perYear('次/年', 'sessions/yr'), target: 1, points: 5,
    gate: true,
    description: {
      zh: '依法召开职工代表大会或职工大会，审议单位重大事项和涉及职工切身利益的事项。',
      en: "A workers' congress or all-worker assembly is held and reviews major decisions and matters affecting workers' interests.",
    },
    department: '基层工作部', evidence: ['minutes', 'photo'], frequency: 'yearly',
  }),
  indicator({
    code: 'HX-02', name: { zh: '厂务公开', en: 'Workplace transparency disclosures' }, ...perYear('次/年', 'disclosures/yr'), target: 4,
    bySizeClass: { micro: 2 }, byUnitType: { new_employment: 2 }, points: 4, gate: false,
    description: {
      zh: '通过公开栏、职代会、线上平台等渠道，向职工公开涉及其切身利益的重大事项。',
      en: "Matters affecting workers' interests are disclosed to them through notice boards, the workers' congress or online channels.",
    },
    department: '基层工作部', evidence: ['photo', 'document'], frequency: 'quarterly',
  }),
  indicator({
    code: 'HX-03', name: { zh: '集体合同及专项协商', en: 'Collective contract and special agreements' }, ...yesNo, target: 1, points: 5,
    gate: false,
    description: {
      zh: '开展集体协商，签订综合性集体合同及工资、女职工权益保护专项集体合同，并报人力社保部门审查备案。',
      en: "Collective bargaining yields a comprehensive contract plus special agreements on wages and on women workers' rights, filed with the human-resources authority.",
    },
    department: '权益保障部', evidence: ['document'], frequency: 'yearly',
  }),
  indicator({
    code: 'HX-04', name: { zh: '劳动关系稳定', en: 'Stable labour relations' }, ...yesNo, target: 1, points: 4, gate: true,
    description: {
      zh: '全年未发生群体性事件，未发生拖欠职工工资，劳动争议得到及时调处。',
      en: 'No mass incident and no wage arrears during the year; labour disputes are mediated promptly.',
    },
    // Proven by the absence of incidents, which the township checks in its own records.
    department: '权益保障部', evidence: ['document'], evidenceOptional: true, frequency: 'yearly',
  }),
  indicator({
    code: 'HX-05', name: { zh: '会员评家满意率', en: "Members' satisfaction with their union" }, ...percent, target: 90, points: 4,
    gate: false,
    description: {
      zh: '年度“会员评家”测评中，对工会工作表示满意和基本满意的会员比例。',
      en: "Share of members rating their union satisfactory or fairly satisfactory in the yearly 'members rate their home' survey.",
    },
    department: '基层工作部', evidence: ['spreadsheet'], frequency: 'yearly',
  }),
];

const categoryNames: Record<CategoryCode, { zh: string; en: string }> = {
  HS: { zh: '红色', en: 'Red (political leadership)' },
  GF: { zh: '规范', en: 'Standardised operation' },
  HL: { zh: '活力', en: 'Vitality' },
  WN: { zh: '温暖', en: 'Warmth and care' },
  HX: { zh: '和谐', en: 'Harmony (labour relations)' },
};

// Each category weighs its share of the points, so the weights sum to 100 and the total matches a plain points sum.
const totalPoints = indicators.reduce((sum, item) => sum + item.points, 0);
const categories = CATEGORY_CODES.map((code) => ({
  code,
  name: categoryNames[code],
  weight:
    (100 * indicators.filter((item) => item.category === code).reduce((sum, item) => sum + item.points, 0)) / totalPoints,
}));

/** The shipped 23-indicator catalogue, validated when this module loads and frozen against accidental edits. */
export const defaultCatalogue: Catalogue = deepFreeze(catalogueSchema.parse({ categories, indicators }));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
