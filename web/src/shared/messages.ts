/**
 * The one message catalogue. Chinese is the language of the app; English covers the main screens so a
 * visitor can follow them. A key missing in English falls back to Chinese.
 */
export const zh = {
  app: { name: '富工建家', console: '富工建家 · 工作台', phone: '富工建家 · 基层工会', screen: '富工建家 · 一屏掌控' },
  common: {
    login: '登录', logout: '退出登录', loginName: '账号', password: '密码', submit: '提交', cancel: '取消', confirm: '确定',
    save: '保存', reload: '重新加载', retry: '重试', loading: '加载中…', empty: '暂无数据', back: '返回', all: '全部',
    search: '查询', reset: '重置', actions: '操作', more: '加载更多', noMore: '没有更多了', language: 'English',
    offline: '网络连接已断开，填写的内容已保留，恢复后请重试。', conflict: '该任务已被他人修改，请重新加载后再操作。',
    loginFailed: '登录失败', welcome: '欢迎，{name}', wrongApp: '基层工会请使用手机端：',
  },
  roles: { district_admin: '区总工会管理员', department_staff: '区总部门', township_officer: '镇街工会', grassroots_chair: '基层工会主席' },
  lights: {
    green: '绿', blue: '蓝', yellow: '黄', red: '红',
    greenMeaning: '正常推进', blueMeaning: '已提醒', yellowMeaning: '已预警', redMeaning: '督办/约谈中',
  },
  states: {
    issued: '待分办', dispatched: '待领办', claimed: '已领办', reported: '待审核', returned: '已退回',
    reviewed: '待区复核', approved: '已通过', exited: '已退出',
  },
  task: {
    myTasks: '我的任务', indicator: '指标', target: '目标', deadline: '截止', state: '状态', light: '灯色',
    responsible: '责任人', value: '完成值', points: '得分', history: '办理记录', returnReason: '退回原因',
    newDeadline: '新截止时间', claim: '领办', claimTitle: '领办任务', report: '反馈', reportTitle: '反馈完成情况',
    note: '进展说明', final: '最终反馈（提交审核）', progress: '进度反馈', evidence: '佐证材料', addEvidence: '拍照或选择文件',
    uploading: '上传中 {percent}%', claimed: '已领办', reported: '已提交', unit: '单位', township: '镇街',
    reports: '反馈记录', noReports: '尚未反馈', dueIn: '还剩 {days} 天', overdue: '已逾期 {days} 天', dueToday: '今天截止',
    category: '类别', preview: '预览',
  },
  notices: { title: '我的消息', unread: '{n} 条未读', readAll: '全部已读', kinds: { remind: '提醒', warn: '预警', supervise: '督办', summons: '约谈', urge: '催办', need: '需求' } },
  orders: {
    title: '督办单', number: '编号', respond: '整改答复', respondText: '整改情况', responded: '已答复', status: '状态',
    open: '待答复', answered: '已答复', overdue: '逾期未答复', dueAt: '答复期限', summons: '约谈', recorded: '已记录',
  },
  review: {
    title: '审核队列', approve: '通过', return: '退回', score: '评分', reason: '退回原因', reasonCanned: '常用原因',
    bulkApprove: '批量通过', bulkReturn: '批量退回', selected: '已选 {n} 条', result: '处理结果', ok: '成功',
    reportedAt: '反馈时间', evidence: '佐证', none: '无', oldestFirst: '最早反馈在前', byDeadline: '最近截止在前',
    cannedReasons: ['佐证材料不完整，请补充', '完成值与佐证不符，请核实', '照片不清晰，请重新上传', '未达到目标值，请继续推进'],
    done: '{ok} 条成功，{failed} 条未成功',
  },
  dispatch: {
    title: '分办', plan: '计划', units: '基层单位', overrides: '单位个性化要求', stricterTarget: '更高目标', earlierDeadline: '更早截止',
    notApplicable: '不适用', dispatchSelected: '分办所选单位', dispatchAll: '分办全部单位', dispatched: '已分办 {units} 个单位、{tasks} 项任务',
    addOverride: '添加要求', dispatchState: '分办情况', pending: '未分办', done: '已分办',
  },
  plans: {
    title: '年度计划', create: '新建计划', name: '计划名称', year: '年度', deadline: '总截止时间', indicators: '指标', status: '状态',
    issue: '下达', close: '结束本年度', progress: '分办进度', statuses: { draft: '草稿', issued: '已下达', closing: '结算中', closed: '已结束' },
    escalation: '督导规则', orderResponse: '督办答复期限', summonsAfter: '约谈间隔', created: '计划已创建', issued: '计划已下达',
    closed: '本年度已结束', confirmClose: '结束后未完成的任务将冻结并计算建家指数，确定吗？', tasks: '任务数', urge: '一键催办', urged: '已催办 {units} 个单位',
  },
  screen: {
    title: '一屏掌控', index: '建家指数', coverage: '覆盖单位', lights: '灯色分布', ranking: '镇街排名', grid: '镇街灯色',
    funnel: '提醒 → 预警 → 督办 → 约谈', overdue: '逾期最久的单位', categories: '五类指标', trend: '全年趋势',
    pending: '待接入（指数接口上线后显示）', notClosed: '计划结束后显示指数', units: '个单位', avg: '平均',
  },
  nav: { review: '审核', dispatch: '分办', plans: '计划', orders: '督办与约谈', screen: '一屏掌控', lights: '灯色', deliveries: '消息推送', units: '单位与账号', catalogue: '指标目录' },
  needs: {
    nav: { queue: '需求研判', analysis: '需求分析', adjust: '政策调整' },
    tab: '需求', mine: '我的需求', raise: '上报需求', raised: '已上报，编号 {number}', number: '编号', kind: '类型', indicators: '涉及指标',
    category: '涉及类别', title: '标题', body: '具体情况', urgency: '紧急程度', attachments: '照片或附件', addAttachment: '拍照或选择文件',
    state: '状态', unit: '单位', township: '镇街', raisedAt: '上报时间', thread: '沟通记录', reply: '回复', replyText: '回复内容',
    send: '发送', sent: '已发送', askMore: '请补充情况', asked: '已请对方补充', askPrompt: '镇街请您补充情况，回复后将重新进入办理。',
    tag: '标注', tagged: '已标注', causes: '原因', causeHint: '输入后回车，如 单位规模小', causeOptions: ['单位规模小', '人员不足', '经费不足', '时间冲突', '客观条件限制'], merge: '合并重复需求', mergeInto: '合并到',
    mergeHint: '所选需求将合并到下面这一条，提出单位都将看到合并后的需求。', merged: '已合并 {n} 条', mergedInto: '本需求已合并至 {number}',
    mergedHere: '已合并的需求', forward: '转报区总', forwardComment: '镇街意见', forwarded: '已转报区总工会', resolve: '办结',
    resolution: '答复内容', resolved: '已办结', resolvedBy: '办结答复', adjustment: '政策调整', system: '系统', selected: '已选 {n} 条',
    total: '共 {n} 条', choose: '请选择', none: '无', chooseIndicators: '选择指标', townshipComment: '镇街意见', view: '查看',
    kinds: { difficulty: '完成指标有困难', support: '请求支持', exemption: '申请免于考核', extension: '申请延期', suggestion: '意见建议', other: '其他' },
    states: { open: '待研判', needs_info: '待补充', forwarded: '已转报区总', resolved: '已办结', merged: '已合并' },
    urgencies: { normal: '一般', urgent: '紧急', critical: '特急' },
    analysis: {
      title: '需求分析研判', by: '分组', scope: '范围', forwardedOnly: '已转报', all: '全部（不含已合并）', count: '数量', urgent: '紧急',
      trend: '近12周趋势', thisWeek: '本周', weeksAgo: '{n}周前', drill: '点击分组查看需求', groupNeeds: '“{key}”的需求', adjust: '据此发起政策调整',
      bys: { indicator: '指标', category: '类别', unitType: '单位类型', sizeClass: '规模', township: '镇街' },
    },
    unitTypes: { enterprise: '企业工会', joint_regional: '区域联合工会', joint_trade: '行业联合工会', institution: '机关事业单位工会', new_employment: '新就业形态工会', township: '镇街' },
    sizeClasses: { micro: '25人以下', small: '25–99人', medium: '100–999人', large: '1000人以上' },
  },
  adjust: {
    title: '政策调整', plan: '年度计划', kind: '调整类型', kinds: { target: '调整目标', extend: '延长期限', exempt: '免于考核（退出）', support: '支持举措' },
    class: '适用单位', unitTypes: '单位类型', sizeClasses: '规模', townships: '镇街', orgs: '指定单位', orgSearch: '输入单位名称或编码',
    indicators: '指标', target: '新目标值', deadline: '新截止日期', reason: '调整理由', note: '支持举措内容', needs: '关联需求',
    preview: '预览', apply: '应用', applying: '正在应用', applied: '已应用', confirmApply: '将调整 {units} 个单位的 {tasks} 项任务，确定应用吗？',
    units: '涉及单位', tasks: '涉及任务', rescored: '重新评分', improved: '指数上升', worsened: '指数下降', unchanged: '指数不变',
    bandChanges: '档次变化', moves: '指数变化最大的单位', before: '调整前', after: '调整后', band: '档次', progress: '应用进度',
    progressText: '{done} / {tasks} 项任务（跳过 {skipped}）', history: '本计划的政策调整', number: '文号', state: '状态', createdAt: '发布时间',
    states: { applying: '应用中', applied: '已应用' }, noPlan: '没有进行中的年度计划', stale: '条件已改变，请重新预览',
  },
} as const;

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : T[K] extends readonly string[] ? readonly string[] : Widen<T[K]> };
export type Messages = Widen<typeof zh>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends string ? string : T[K] extends readonly string[] ? readonly string[] : DeepPartial<T[K]> };

export const en: DeepPartial<Messages> = {
  app: { name: 'Fugong Jianjia', console: 'Jianjia · Console', phone: 'Jianjia · Union', screen: 'Jianjia · Leaders’ screen' },
  common: {
    login: 'Log in', logout: 'Log out', loginName: 'Login', password: 'Password', submit: 'Submit', cancel: 'Cancel', confirm: 'OK',
    reload: 'Reload', retry: 'Retry', loading: 'Loading…', empty: 'Nothing here', back: 'Back', all: 'All', search: 'Search', reset: 'Reset',
    actions: 'Actions', language: '中文', offline: 'Connection lost. What you typed is kept; try again when it is back.',
    conflict: 'Someone else changed this task. Reload, then try again.', loginFailed: 'Login failed', welcome: 'Welcome, {name}',
  },
  lights: { green: 'Green', blue: 'Blue', yellow: 'Yellow', red: 'Red', greenMeaning: 'on track', blueMeaning: 'reminded', yellowMeaning: 'warned', redMeaning: 'order or summons open' },
  states: { issued: 'to dispatch', dispatched: 'to claim', claimed: 'claimed', reported: 'to review', returned: 'returned', reviewed: 'district review', approved: 'approved', exited: 'exited' },
  task: {
    myTasks: 'My tasks', indicator: 'Indicator', target: 'Target', deadline: 'Deadline', state: 'State', light: 'Light', claim: 'Claim', report: 'Report',
    returnReason: 'Returned because', history: 'History', responsible: 'Responsible', value: 'Value', points: 'Points', unit: 'Unit', township: 'Township',
    newDeadline: 'New deadline', note: 'Progress note', evidence: 'Evidence', reports: 'Reports', noReports: 'No report yet',
    dueIn: '{days} days left', overdue: '{days} days late', dueToday: 'due today',
  },
  review: {
    title: 'Review queue', approve: 'Approve', return: 'Return', bulkApprove: 'Approve selected', bulkReturn: 'Return selected', score: 'Score',
    reason: 'Reason', reasonCanned: 'Common reasons', selected: '{n} selected', result: 'Result', ok: 'Done', reportedAt: 'Reported',
    evidence: 'Evidence', none: 'None', oldestFirst: 'Oldest report first', byDeadline: 'Nearest deadline first', done: '{ok} done, {failed} not done',
  },
  dispatch: {
    title: 'Dispatch', plan: 'Plan', units: 'Grassroots units', overrides: 'Per-unit requirements', stricterTarget: 'Stricter target',
    earlierDeadline: 'Earlier deadline', notApplicable: 'Not applicable', dispatchSelected: 'Dispatch selected', dispatchAll: 'Dispatch all',
    dispatched: 'Dispatched {units} units, {tasks} tasks', addOverride: 'Add', dispatchState: 'Dispatch', pending: 'not yet', done: 'done',
  },
  plans: {
    title: 'Yearly plans', create: 'New plan', name: 'Name', year: 'Year', deadline: 'Deadline', indicators: 'Indicators', status: 'Status',
    issue: 'Issue', close: 'Close the year', progress: 'Dispatch progress', escalation: 'Escalation policy', tasks: 'Tasks', urge: 'Urge late units',
    statuses: { draft: 'draft', issued: 'issued', closing: 'closing', closed: 'closed' }, created: 'Plan created', issued: 'Plan issued', closed: 'Year closed',
    confirmClose: 'Open tasks will be frozen and every unit scored. Close the year?', urged: 'Urged {units} units',
  },
  screen: {
    title: 'Leaders’ screen', index: 'Jianjia index', coverage: 'Units covered', ranking: 'Township ranking', grid: 'Townships by light',
    funnel: 'Remind → warn → supervise → summon', overdue: 'Most overdue', categories: 'Five categories', trend: 'Trend over the year',
    pending: 'coming with the index endpoints', notClosed: 'shown once the plan is closed', units: 'units',
  },
  notices: { title: 'My notices', unread: '{n} unread', readAll: 'Mark all read' },
  orders: { title: 'Supervision orders', respond: 'Answer', open: 'open', answered: 'answered', overdue: 'overdue', summons: 'Summons', recorded: 'recorded' },
  nav: { review: 'Review', dispatch: 'Dispatch', plans: 'Plans', orders: 'Orders & summons', screen: 'Leaders’ screen', lights: 'Lights', deliveries: 'Deliveries', units: 'Units & users', catalogue: 'Catalogue' },
  needs: {
    nav: { queue: 'Needs triage', analysis: 'Needs analysis', adjust: 'Adjustments' },
    tab: 'Needs', mine: 'My needs', raise: 'Raise a need', raised: 'Raised as {number}', kind: 'Kind', indicators: 'Indicators', title: 'Title',
    body: 'Details', urgency: 'Urgency', attachments: 'Photos or files', state: 'State', thread: 'Thread', reply: 'Reply', send: 'Send',
    tag: 'Tag', merge: 'Merge duplicates', forward: 'Forward to district', resolve: 'Resolve', resolution: 'Answer', adjustment: 'Adjustment',
    kinds: { difficulty: 'Difficulty meeting a target', support: 'Support', exemption: 'Exemption', extension: 'Extension', suggestion: 'Suggestion', other: 'Other' },
    states: { open: 'open', needs_info: 'needs info', forwarded: 'forwarded', resolved: 'resolved', merged: 'merged' },
    urgencies: { normal: 'normal', urgent: 'urgent', critical: 'critical' },
  },
  adjust: { title: 'Policy adjustment', preview: 'Preview', apply: 'Apply', units: 'Units', tasks: 'Tasks', progress: 'Progress' },
};
