// The demo menu loaded into an empty Redis: a dozen dishes of a Chinese restaurant, prices in integer cents.
import type { CreateDish } from '@dish-live/protocol';

export const DEMO_MENU: readonly (CreateDish & { id: string })[] = [
  { id: 'gongbao-chicken', name: '宫保鸡丁', category: '川菜', price: 4800, stock: 120 },
  { id: 'mapo-tofu', name: '麻婆豆腐', category: '川菜', price: 3200, stock: 150 },
  { id: 'yuxiang-pork', name: '鱼香肉丝', category: '川菜', price: 3800, stock: 120 },
  { id: 'twice-cooked-pork', name: '回锅肉', category: '川菜', price: 4200, stock: 100 },
  { id: 'peking-duck', name: '北京烤鸭', category: '京菜', price: 16800, stock: 40 },
  { id: 'xiaolongbao', name: '小笼包', category: '点心', price: 2800, stock: 200 },
  { id: 'white-cut-chicken', name: '白切鸡', category: '粤菜', price: 5800, stock: 60 },
  { id: 'char-siu', name: '叉烧', category: '粤菜', price: 4600, stock: 80 },
  { id: 'yangzhou-fried-rice', name: '扬州炒饭', category: '淮扬菜', price: 2600, stock: 180 },
  { id: 'hot-sour-soup', name: '酸辣汤', category: '汤', price: 1800, stock: 160 },
  { id: 'braised-pork-belly', name: '红烧肉', category: '沪菜', price: 5200, stock: 90 },
  { id: 'steamed-sea-bass', name: '清蒸鲈鱼', category: '粤菜', price: 8800, stock: 50 },
];
