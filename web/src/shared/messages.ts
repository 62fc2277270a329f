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
  notices: { title: '我的消息', unread: '{n} 条未读', readAll: '全部已读', kinds: { remind: '提醒', warn: '预警', supervise: '督办', summons: '约谈', urge: '催办' } },
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
  overview: {
    title: '任务总览', yes: '是', no: '否', byDeadline: '按截止时间', byChange: '最久未更新在前', shown: '已显示 {shown} 条，共 {total} 条', changedAt: '最近更新',
    department: '责任部门', exitReason: '退出原因', ladder: '督导进程（未完成时）', ladderDone: '任务已办结，不再提醒。', finalReport: '最终反馈',
    rungs: { remind: '提醒', warn: '预警', supervise: '督办', answerBy: '督办答复期限', summonsAt: '约谈' },
    provisional: '{years} 年节假日尚未录入，以上日期暂按周一至周五计算。',
  },
  history: {
    task_dispatch: '分办', task_claim: '领办', task_progress: '进度反馈', task_report: '最终反馈', task_return: '退回', task_approve: '通过',
    task_review: '镇街初审通过', task_exit: '退出', task_extend: '延期', ladder_remind: '系统提醒（即将到期）', ladder_warn: '系统预警（已到期）',
    ladder_supervise: '发出督办单', ladder_summons: '约谈', order_issue: '发出督办单', order_respond: '整改答复', summons_outcome: '约谈结果', plan_urge: '催办',
  },
  exports: { excel: '导出 Excel', ranking: '导出单位排名', escalations: '导出督办约谈', unitIndex: '本单位建家指数说明（Excel）', index: '指数说明' },
  summons: { orderReason: '督办原因', at: '约谈时间', place: '地点', outcome: '约谈结果', record: '记录结果', recordTitle: '记录约谈结果' },
  calendar: {
    title: '工作日历', yearTitle: '{year} 年节假日安排', otherYear: '其他年份', open: '打开', holidays: '放假日期', workdays: '调休上班日期',
    holidaysHint: '（每一天一行）', workdaysHint: '（须为周六或周日）', date: '日期', name: '名称', namePlaceholder: '如 春节', remove: '删除',
    addDay: '添加一天', orRange: '或按区间添加：', from: '开始', to: '结束', addRange: '添加区间', none: '尚未录入',
    status: { stored: '已录入', 'built-in': '内置', provisional: '暂定（未录入）' },
    explain: '截止时间、提醒、预警、督办按工作日计算。未录入的年份暂按周一至周五计算；国务院办公厅公布放假安排后请及时录入。',
    provisionalHint: '本年度节假日尚未录入，工作日暂按周一至周五计算。请按国务院办公厅通知录入后保存。',
    updated: '{by} 于 {at} 录入', saved: '已保存：{orders} 张督办单的答复期限已更正，{units} 个单位的提醒已重新计算。', unchanged: '与已录入的安排相同，未作更改。',
  },
  units: {
    units: '基层单位', accounts: '账号', add: '新增单位', edit: '编辑单位', import: '导入 Excel/CSV', importValidOnly: '只导入无误的行', search: '编码或名称',
    code: '编码', codeHint: '如 FY-T01-U100', name: '名称', type: '类型', members: '会员', membersCount: '会员数', webhook: '机器人推送', webhookUrl: '机器人地址',
    webhookHint: 'https://…（钉钉/浙政钉群机器人）', webhookInvalid: '请填写以 https:// 或 http:// 开头的完整地址', webhookSet: '已设置', editAction: '编辑', move: '调整镇街', merge: '合并', dissolve: '注销',
    imported: '已导入 {imported} 个单位，跳过 {skipped} 行', importRow: '行', importField: '列', importProblem: '问题', importFailed: '导入未完成：{message}',
    dissolveTitle: '注销单位', dissolvePrompt: '注销 {name}：请填写原因', atLeastTwo: '至少 2 个字',
    moveTitle: '调整 {name} 的所属镇街', moveTo: '调入镇街', moved: '{name} 已调入 {township}',
    mergeTitle: '将 {name} 并入其他单位', mergeInto: '并入单位', mergeWarning: '合并后本单位停用，其账号一并停用。', merged: '{name} 已并入 {into}',
    types: { enterprise: '企业工会', joint_regional: '区域性联合工会', joint_trade: '行业性联合工会', institution: '机关事业单位工会', new_employment: '新就业形态工会' },
  },
  accounts: {
    add: '新增账号', edit: '编辑账号', displayName: '姓名', role: '角色', org: '单位', email: '邮箱', status: '状态', active: '正常', inactive: '已停用',
    deactivate: '停用', activate: '启用', editAction: '编辑', newPassword: '重置密码', newPasswordHint: '留空则不修改；至少 10 位', saved: '账号已保存',
  },
  nav: { review: '审核', dispatch: '分办', plans: '计划', orders: '督办与约谈', screen: '一屏掌控', lights: '灯色', deliveries: '消息推送', units: '单位与账号', catalogue: '指标目录' },
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
  overview: {
    title: 'Task overview', yes: 'yes', no: 'no', byDeadline: 'By deadline', byChange: 'Longest unchanged first', shown: '{shown} of {total} shown', changedAt: 'Last change',
    department: 'Department', exitReason: 'Exit reason', ladder: 'Escalation ahead (if not done)', ladderDone: 'Done: no more reminders.', finalReport: 'Final report',
    rungs: { remind: 'Reminder', warn: 'Warning', supervise: 'Supervision order', answerBy: 'Order answer due', summonsAt: 'Summons' },
    provisional: 'Holidays of {years} are not entered yet: these dates count Monday–Friday for now.',
  },
  exports: { excel: 'Export Excel', ranking: 'Export ranking', escalations: 'Export orders & summons', unitIndex: 'Unit index explained (Excel)', index: 'Index' },
  summons: { orderReason: 'Reason', at: 'Summons at', place: 'Place', outcome: 'Outcome', record: 'Record outcome', recordTitle: 'Record the summons outcome' },
  calendar: {
    title: 'Working days', yearTitle: 'Holidays of {year}', otherYear: 'Other year', open: 'Open', holidays: 'Holidays', workdays: 'Make-up working days',
    holidaysHint: '(one row per day)', workdaysHint: '(Saturdays or Sundays)', date: 'Date', name: 'Name', remove: 'Remove', addDay: 'Add a day',
    orRange: 'or a range:', from: 'From', to: 'To', addRange: 'Add range', none: 'None entered',
    status: { stored: 'entered', 'built-in': 'built in', provisional: 'provisional' },
    provisionalHint: 'This year’s holidays are not entered: working days count Monday–Friday until they are.',
    saved: 'Saved: {orders} order deadlines corrected, {units} units’ reminders recomputed.', unchanged: 'Same as entered: nothing changed.',
  },
  units: { units: 'Units', accounts: 'Accounts', add: 'New unit', edit: 'Edit unit', move: 'Move', merge: 'Merge', dissolve: 'Dissolve', moveTo: 'To township', mergeInto: 'Into unit' },
  accounts: { add: 'New account', edit: 'Edit account', displayName: 'Name', role: 'Role', org: 'Org', active: 'active', inactive: 'deactivated', newPassword: 'Reset password' },
  nav: { review: 'Review', dispatch: 'Dispatch', plans: 'Plans', orders: 'Orders & summons', screen: 'Leaders’ screen', lights: 'Lights', deliveries: 'Deliveries', units: 'Units & users', catalogue: 'Catalogue' },
};
