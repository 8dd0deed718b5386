// Browser notifications of stock alerts: one per alert, only while the tab is in the background and the user allowed them.
import type { Translate } from '../i18n.js';
import type { StockAlert } from './stock-alerts.js';

export type NotificationAccess = NotificationPermission | 'unsupported';

/** What the notifier needs of the browser, so its rules are tested without one. */
export interface NotificationSink {
  visibility(): DocumentVisibilityState;
  permission(): NotificationAccess;
  show(title: string, options: { body: string; tag: string }): void;
}

export type AlertText = (alert: StockAlert) => { title: string; body: string };

/** "Duck sold out", from "Golden Dragon": the restaurant by name where the page knows it. */
export function alertText(t: () => Translate, restaurantName: (id: string) => string): AlertText {
  return (alert) => ({
    title: t()(`alerts.notify.${alert.type}`, { name: alert.dish.name, stock: alert.dish.stock }),
    body: t()('alerts.notify.body', { restaurant: restaurantName(alert.restaurant) }),
  });
}

/** Alert ids remembered: far more than one screen of dishes can raise between two resyncs. */
const REMEMBERED = 1000;

export class AlertNotifier {
  /** Every alert id seen, shown or not: one raised while the tab was visible is not shown later either. */
  readonly #seen = new Set<string>();

  constructor(
    private readonly sink: NotificationSink,
    private readonly text: AlertText,
    private readonly remembered = REMEMBERED,
  ) {}

  /** Shows what is new among `alerts` if the tab is hidden and notifications are allowed; returns how many it showed. */
  notify(alerts: readonly StockAlert[]): number {
    const fresh = alerts.filter((alert) => this.#remember(alert.id));
    if (fresh.length === 0 || this.sink.visibility() !== 'hidden' || this.sink.permission() !== 'granted') return 0;
    let shown = 0;
    for (const alert of fresh) {
      const { title, body } = this.text(alert);
      // A browser can refuse one (Chrome on Android wants a service worker for it): said, and the others still tried.
      try {
        this.sink.show(title, { body, tag: alert.id });
        shown++;
      } catch (err) {
        console.warn(`[dish-live] a notification could not be shown: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return shown;
  }

  #remember(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.#seen.size > this.remembered) this.#seen.delete(this.#seen.values().next().value!);
    return true;
  }
}

export function notificationAccess(): NotificationAccess {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Only ever called from a click: a page that asks unprompted gets its prompts silenced by the browser, rightly. */
export async function requestNotificationAccess(): Promise<NotificationAccess> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

export const browserNotifications: NotificationSink = {
  visibility: () => document.visibilityState,
  permission: notificationAccess,
  show(title, options) {
    new Notification(title, options);
  },
};
