// The polling transport (the baseline): GET /api/events?since= (or a restaurant's) on an interval, following `more` at once.
import type { PollResponse } from '@dish-live/protocol';
import { apiPath } from './restaurant-route.js';
import { httpOutcome, problemDetail, resolveUrl, utf8Length, type TransportConnection, type TransportEnd, type TransportParams, type TransportSink } from './transport.js';

export type FetchLike = (input: string, init?: { signal?: AbortSignal; method?: string; headers?: Record<string, string>; body?: string }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

export interface PollTransportOptions {
  /** The dish service's base URL, e.g. `http://host:3000`; requests go to `{url}/api/events`. */
  url: string;
  /** Polls `{url}/api/restaurants/{restaurant}/events` instead; a checked id (connect() checks it). */
  restaurant?: string;
  intervalMs: number;
  fetch: FetchLike;
  limit?: number;
}

/**
 * A poll answer turned into the messages the streaming transports would have sent: its `digest` of the state at
 * `last` becomes a `check`, checked the same way.
 */
export function pollMessages(response: PollResponse): unknown[] {
  if (!response.recovered) return [{ type: 'snapshot', recovered: false, ...response.snapshot }];
  if (response.digest === undefined) return response.events;
  return [...response.events, { type: 'check', id: response.last, digest: response.digest }];
}

export function openPoll(options: PollTransportOptions, params: TransportParams, sink: TransportSink): TransportConnection {
  // Called detached, never as `options.fetch(...)`: a browser's fetch refuses a `this` other than the window.
  const { fetch } = options;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const abort = new AbortController();
  const finish = (outcome: TransportEnd) => {
    if (closed) return;
    closed = true;
    sink.end(outcome);
  };
  const end = (retry: boolean, reason: string) => finish({ retry, reason });

  const poll = async (): Promise<void> => {
    const url = resolveUrl(`${options.url.replace(/\/+$/, '')}${apiPath(options.restaurant, '/events')}`);
    const since = params.cursor();
    if (since !== undefined) url.searchParams.set('since', since);
    if (options.limit !== undefined) url.searchParams.set('limit', String(options.limit));
    sink.request();
    const res = await fetch(url.toString(), { signal: abort.signal });
    const text = await res.text();
    if (closed) return;
    sink.traffic(utf8Length(text));
    if (!res.ok) return finish(httpOutcome(res.status, 'polling', problemDetail(text)));
    let body: PollResponse;
    try {
      body = JSON.parse(text) as PollResponse;
    } catch {
      return end(true, 'polling answered something that is not JSON');
    }
    if (body.recovered) sink.live();
    for (const message of pollMessages(body)) {
      if (closed) return;
      sink.message(message);
    }
    if (closed) return;
    if (body.recovered && body.more) return poll();
    timer = setTimeout(run, options.intervalMs);
  };
  const run = () => {
    timer = undefined;
    poll().catch((err: unknown) => {
      if (!closed) end(true, `polling failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  run();

  return {
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      abort.abort();
    },
  };
}
