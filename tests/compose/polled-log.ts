// The event log as the dish service's polling endpoint serves it, read whole: what the compose tests' clients are
// judged against. `events` is the polling path: the first wave's /api/events (restaurant default) unless given, or a
// restaurant's /api/restaurants/{rid}/events.
import { compareStreamIds } from '@dish-live/protocol';
import type { Delivered } from '@dish-live/test-support';

/** Every event in the log after `since` up to and including `until`, read through the polling endpoint. */
export async function logBetween(port: number, since: string, until: string, events = '/api/events'): Promise<Delivered[]> {
  const out: Delivered[] = [];
  let cursor = since;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}${events}?since=${encodeURIComponent(cursor)}&limit=10000`);
    if (!res.ok) throw new Error(`GET ${events}?since=${cursor}: ${res.status}`);
    const body = (await res.json()) as { recovered: boolean; events?: Delivered[]; last?: string; more?: boolean };
    if (!body.recovered || !body.events) throw new Error(`the log no longer holds ${cursor}: the test window is too long for STREAM_MAXLEN`);
    for (const e of body.events) {
      if (compareStreamIds(e.id, until) > 0) return out;
      out.push({ id: e.id, prev: e.prev, type: e.type });
    }
    if (!body.more || body.last === undefined || body.last === cursor) return out;
    cursor = body.last;
  }
}

/** The newest event id in the log, starting the search from a known id. */
export async function lastLogId(port: number, from: string, events = '/api/events'): Promise<string> {
  let cursor = from;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}${events}?since=${encodeURIComponent(cursor)}&limit=10000`);
    if (!res.ok) throw new Error(`GET ${events}?since=${cursor}: ${res.status}`);
    const body = (await res.json()) as { recovered: boolean; last?: string; more?: boolean; snapshot?: { id: string } };
    if (!body.recovered) return body.snapshot?.id ?? cursor;
    if (!body.more) return body.last ?? cursor;
    cursor = body.last ?? cursor;
  }
}
