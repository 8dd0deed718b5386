// The dashboard's two languages: a typed dictionary (English is the shape, Chinese must match it) and a formatter.
import { alertsEn, alertsZh } from './i18n-alerts.js';
import { proofEn, proofZh } from './i18n-proof.js';
import { timelineEn, timelineZh } from './i18n-timeline.js';

export const LOCALES = ['en', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];

const en = {
  appTitle: 'Dish Live',
  appSubtitle: 'Live kitchen dashboard',
  'status.connecting': 'connecting',
  'status.live': 'live',
  'status.reconnecting': 'reconnecting in {s} s',
  'status.reconnectingNow': 'reconnecting',
  'status.offline': 'offline',
  'status.refused': 'access refused: {reason}',
  'status.retry': 'Reconnect',
  'status.label': 'Connection',
  'status.details': 'Connection details',
  'status.transport': 'Transport',
  'status.instance': 'Server',
  'status.lastId': 'Last change',
  'status.rate': 'Changes per second',
  'status.latency': 'Delay, typical / slowest',
  'status.snapshots': 'Full reloads',
  'status.pollCost': 'Polling',
  'status.pollRequests': '{n} requests',
  'status.pollBytes': '{kb} KB',
  'transport.ws': 'WebSocket',
  'transport.sse': 'SSE',
  'transport.poll': 'Polling',
  'transport.interval': 'Every',
  'transport.label': 'Transport',
  'restaurant.label': 'Restaurant',
  'restaurant.invalid': 'The link names “{id}”, which is not a restaurant id: showing the default restaurant.',
  'restaurant.unknown': 'There is no restaurant “{id}”: showing the default restaurant.',
  'bar.title': 'Dishes',
  'bar.stock': 'Stock',
  'bar.sold': 'Sold',
  'bar.metric': 'Show',
  'bar.listLabel': 'Dishes by {metric}, largest first',
  'sales.title': 'Sales over time',
  'sales.total': 'Total',
  'sales.window': 'Last',
  'sales.minutes': '{n} min',
  'sales.axis': 'Dishes sold per {s} s',
  'sales.summary': '{n} dishes sold in the last {m} min',
  'sales.chartLabel': 'Line chart: dishes sold over the last {m} minutes, in total and by category; the dashed end is still counting',
  'table.title': 'Menu',
  'table.name': 'Dish',
  'table.category': 'Category',
  'table.price': 'Price',
  'table.stock': 'Stock',
  'table.sold': 'Sold',
  'table.empty': 'No dishes yet',
  'chat.title': 'Operators',
  'chat.author': 'Your name',
  'chat.placeholder': 'Message to every dashboard',
  'chat.send': 'Send',
  'chat.empty': 'No messages yet',
  'chat.failed': 'Not sent: {reason}',
  'admin.open': 'Admin',
  'admin.title': 'Administration',
  'admin.close': 'Close',
  'admin.token': 'Write token',
  'admin.tokenSave': 'Use token',
  'admin.tokenForget': 'Forget token',
  'admin.tokenSet': 'A write token is set for this tab.',
  'admin.tokenNeeded': 'Enter the write token to change dishes.',
  'admin.edit': 'Edit a dish',
  'admin.dish': 'Dish',
  'admin.price': 'Price',
  'admin.stock': 'Stock',
  'admin.save': 'Save',
  'admin.delete': 'Delete',
  'admin.confirmDelete': 'Delete {name}?',
  'admin.add': 'Add a dish',
  'admin.id': 'Id (optional)',
  'admin.name': 'Name',
  'admin.category': 'Category',
  'admin.create': 'Add',
  'admin.order': 'Place an order',
  'admin.qty': 'Quantity',
  'admin.placeOrder': 'Order',
  'admin.saved': 'Saved {name} (version {version}).',
  'admin.created': 'Added {name}.',
  'admin.deleted': 'Deleted {name}.',
  'admin.ordered': 'Order {id}: {status}.',
  'admin.notNumber': '{field}: enter a number',
  'error.network': 'The server could not be reached ({detail}).',
  'error.http': 'HTTP {status}',
  'ui.language': '中文',
  'ui.themeDark': 'Dark',
  'ui.themeLight': 'Light',
  ...alertsEn,
  ...proofEn,
  ...timelineEn,
} as const;

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

const zh: Dictionary = {
  appTitle: '菜品实况',
  appSubtitle: '后厨实时看板',
  'status.connecting': '连接中',
  'status.live': '实时',
  'status.reconnecting': '{s} 秒后重连',
  'status.reconnectingNow': '重连中',
  'status.offline': '离线',
  'status.refused': '访问被拒绝：{reason}',
  'status.retry': '重新连接',
  'status.label': '连接',
  'status.details': '连接详情',
  'status.transport': '传输',
  'status.instance': '服务器',
  'status.lastId': '最新变更',
  'status.rate': '每秒变更',
  'status.latency': '延迟，一般 / 最慢',
  'status.snapshots': '完整重载',
  'status.pollCost': '轮询',
  'status.pollRequests': '{n} 次请求',
  'status.pollBytes': '{kb} KB',
  'transport.ws': 'WebSocket',
  'transport.sse': 'SSE',
  'transport.poll': '轮询',
  'transport.interval': '间隔',
  'transport.label': '传输方式',
  'restaurant.label': '餐厅',
  'restaurant.invalid': '链接中的“{id}”不是有效的餐厅编号：已显示默认餐厅。',
  'restaurant.unknown': '没有餐厅“{id}”：已显示默认餐厅。',
  'bar.title': '菜品',
  'bar.stock': '库存',
  'bar.sold': '销量',
  'bar.metric': '显示',
  'bar.listLabel': '菜品按{metric}排序，从高到低',
  'sales.title': '销售走势',
  'sales.total': '合计',
  'sales.window': '最近',
  'sales.minutes': '{n} 分钟',
  'sales.axis': '每 {s} 秒售出份数',
  'sales.summary': '最近 {m} 分钟售出 {n} 份',
  'sales.chartLabel': '折线图：最近 {m} 分钟的售出份数，合计及按菜系；虚线末段仍在统计中',
  'table.title': '菜单',
  'table.name': '菜品',
  'table.category': '菜系',
  'table.price': '价格',
  'table.stock': '库存',
  'table.sold': '销量',
  'table.empty': '暂无菜品',
  'chat.title': '值班频道',
  'chat.author': '你的名字',
  'chat.placeholder': '发给所有看板的消息',
  'chat.send': '发送',
  'chat.empty': '暂无消息',
  'chat.failed': '未发送：{reason}',
  'admin.open': '管理',
  'admin.title': '管理',
  'admin.close': '关闭',
  'admin.token': '写入令牌',
  'admin.tokenSave': '使用令牌',
  'admin.tokenForget': '清除令牌',
  'admin.tokenSet': '本标签页已设置写入令牌。',
  'admin.tokenNeeded': '输入写入令牌后才能修改菜品。',
  'admin.edit': '编辑菜品',
  'admin.dish': '菜品',
  'admin.price': '价格',
  'admin.stock': '库存',
  'admin.save': '保存',
  'admin.delete': '删除',
  'admin.confirmDelete': '删除 {name}？',
  'admin.add': '新增菜品',
  'admin.id': '编号（可选）',
  'admin.name': '名称',
  'admin.category': '菜系',
  'admin.create': '新增',
  'admin.order': '下单',
  'admin.qty': '数量',
  'admin.placeOrder': '下单',
  'admin.saved': '已保存 {name}（版本 {version}）。',
  'admin.created': '已新增 {name}。',
  'admin.deleted': '已删除 {name}。',
  'admin.ordered': '订单 {id}：{status}。',
  'admin.notNumber': '{field}：请输入数字',
  'error.network': '无法连接服务器（{detail}）。',
  'error.http': 'HTTP {status}',
  'ui.language': 'English',
  'ui.themeDark': '深色',
  'ui.themeLight': '浅色',
  ...alertsZh,
  ...proofZh,
  ...timelineZh,
};

const dictionaries: Record<Locale, Dictionary> = { en, zh };

/** The browser's preferred language decides the default: any Chinese variant gets Chinese, the rest English. */
export function pickLocale(languages: readonly string[]): Locale {
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0];
    if (base === 'zh') return 'zh';
    if (base === 'en') return 'en';
  }
  return 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** `{name}` placeholders are replaced by params; an unknown placeholder stays visible rather than vanishing. */
export function translator(locale: Locale): Translate {
  const dict = dictionaries[locale];
  return (key, params) => {
    const text = dict[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}
