// The event types of the log, and a check for them.
export const EVENT_TYPES = ['dish.created', 'dish.updated', 'dish.deleted', 'dish.sold', 'chat.message'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
