import { describe, expect, it } from 'vitest';
import { translator } from '../i18n.js';
import { AlertNotifier, alertText, notificationAccess, type NotificationAccess, type NotificationSink } from './alert-notifier.js';
import type { StockAlert } from './stock-alerts.js';

const alert = (eventId: string, type: StockAlert['type'] = 'dish.sold_out', stock = 0): StockAlert => ({
  id: `noodles/${eventId}/${type}`,
  type,
  restaurant: 'noodles',
  dish: { id: 'duck', name: 'Duck', stock },
});

function fakeBrowser(visibility: DocumentVisibilityState = 'hidden', permission: NotificationAccess = 'granted') {
  const shown: { title: string; body: string; tag: string }[] = [];
  const state = { visibility, permission };
  const sink: NotificationSink = {
    visibility: () => state.visibility,
    permission: () => state.permission,
    show: (title, options) => shown.push({ title, ...options }),
  };
  return { sink, shown, state };
}

const english = alertText(() => translator('en'), (id) => (id === 'noodles' ? 'Noodle Bar' : id));

describe('AlertNotifier', () => {
  it('shows one notification per alert while the tab is hidden, tagged with the alert id', () => {
    const browser = fakeBrowser();
    const notifier = new AlertNotifier(browser.sink, english);
    expect(notifier.notify([alert('4-0', 'stock.low', 0), alert('4-0', 'dish.sold_out')])).toBe(2);
    expect(browser.shown).toEqual([
      { title: 'Duck: stock low, 0 left', body: 'Noodle Bar · Dish Live', tag: 'noodles/4-0/stock.low' },
      { title: 'Duck sold out', body: 'Noodle Bar · Dish Live', tag: 'noodles/4-0/dish.sold_out' },
    ]);
  });

  it('never shows an alert twice: a resync that repeats one shows nothing', () => {
    const browser = fakeBrowser();
    const notifier = new AlertNotifier(browser.sink, english);
    notifier.notify([alert('4-0')]);
    expect(notifier.notify([alert('4-0')])).toBe(0);
    expect(notifier.notify([alert('4-0'), alert('9-0', 'dish.back_in_stock', 3)])).toBe(1);
    expect(browser.shown.map((n) => n.tag)).toEqual(['noodles/4-0/dish.sold_out', 'noodles/9-0/dish.back_in_stock']);
    expect(browser.shown[1]?.title).toBe('Duck back in stock (3)');
  });

  it('shows nothing while the tab is visible, nor later for an alert raised then', () => {
    const browser = fakeBrowser('visible');
    const notifier = new AlertNotifier(browser.sink, english);
    expect(notifier.notify([alert('4-0')])).toBe(0);
    browser.state.visibility = 'hidden';
    expect(notifier.notify([alert('4-0')])).toBe(0);
    expect(notifier.notify([alert('5-0')])).toBe(1);
    expect(browser.shown.map((n) => n.tag)).toEqual(['noodles/5-0/dish.sold_out']);
  });

  it('shows nothing without the permission: not asked, refused, or no Notification at all', () => {
    for (const permission of ['default', 'denied', 'unsupported'] as const) {
      const browser = fakeBrowser('hidden', permission);
      expect(new AlertNotifier(browser.sink, english).notify([alert('4-0')])).toBe(0);
      expect(browser.shown).toEqual([]);
    }
  });

  it('tries every alert when the browser refuses one, and counts what it showed', () => {
    const browser = fakeBrowser();
    const sink = browser.sink;
    const refusing: NotificationSink = {
      ...sink,
      show: (title, options) => {
        if (options.tag.endsWith('stock.low')) throw new TypeError('Illegal constructor');
        sink.show(title, options);
      },
    };
    expect(new AlertNotifier(refusing, english).notify([alert('4-0', 'stock.low'), alert('4-0')])).toBe(1);
    expect(browser.shown.map((n) => n.tag)).toEqual(['noodles/4-0/dish.sold_out']);
  });

  it('remembers a bounded number of alert ids, forgetting the oldest first', () => {
    const browser = fakeBrowser();
    const notifier = new AlertNotifier(browser.sink, english, 2);
    notifier.notify([alert('1-0'), alert('2-0'), alert('3-0')]);
    expect(notifier.notify([alert('3-0'), alert('2-0')])).toBe(0);
    expect(notifier.notify([alert('1-0')])).toBe(1);
  });

  it('speaks the reader’s language, the restaurant by name where it is known', () => {
    const chinese = alertText(() => translator('zh'), (id) => id);
    expect(chinese(alert('4-0', 'stock.low', 2))).toEqual({ title: 'Duck：库存偏低，剩 2 份', body: 'noodles · 菜品实况' });
    expect(chinese(alert('4-0', 'dish.sold_out'))).toEqual({ title: 'Duck 已售罄', body: 'noodles · 菜品实况' });
  });

  it('says notifications are unsupported where there is no Notification (Node here)', () => {
    expect(notificationAccess()).toBe('unsupported');
  });
});
