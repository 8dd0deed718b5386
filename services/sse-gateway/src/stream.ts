// One event stream: admission, the stream's head, then a sink in the hub. What a stream keeps while it is open is kept
// small on purpose (issue 18: memory per idle connection): the response, its sink and its hub connection, nothing else.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { encodeSseFrame } from '@dish-live/protocol';
import { admitToRestaurant, type Hub } from '@dish-live/fanout';
import { SECURITY_HEADERS, sameOrigin, sendProblem, type Gate } from '@dish-live/server';
import type { SseConfig } from './config.js';
import { jitter, SseSink } from './sse-transport.js';

export interface StreamOptions {
  hub: Hub<SseSink>;
  gate: Gate;
  config: SseConfig;
}

export interface StreamRoute {
  /** Open streams by their response, for heartbeats, shutdown and the close listener. */
  streams: Map<ServerResponse, SseSink>;
  /** Serves a stream of `restaurant` (undefined: the path named none, `default`). */
  serve(req: IncomingMessage, res: ServerResponse, restaurant: string | undefined): Promise<void>;
}

/** A request header as one string: node joins a repeated header with ", " (only set-cookie comes as a list). */
const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});
const NO_RAW_HEADERS = Object.freeze([]) as unknown as string[];

/**
 * Admission and the head are the only readers of a stream's request headers, but node keeps them as long as the
 * request: the raw lines, and the object built from them (~0.3 KB for the bench's bare client, more for a browser's
 * cookies and user agent, per stream for hours). Node itself no longer reads them once the head is written.
 */
function forgetHeaders(req: IncomingMessage): void {
  req.headers = NO_HEADERS;
  req.rawHeaders = NO_RAW_HEADERS;
}

/** The page's own origin needs no CORS headers; another allowed one gets its own origin back, never `*`. */
function allowedOrigin(req: IncomingMessage): string | undefined {
  const origin = header(req, 'origin');
  return origin && !sameOrigin(origin, header(req, 'host')) ? origin : undefined;
}

export function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = allowedOrigin(req);
  if (origin) res.setHeader('Access-Control-Allow-Origin', origin);
}

export function secure(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** Every answer on /sse depends on the Origin, refusals included. */
export function varyOrigin(res: ServerResponse): void {
  res.setHeader('Vary', 'Origin');
}

export function streamRoute({ hub, gate, config }: StreamOptions): StreamRoute {
  const streams = new Map<ServerResponse, SseSink>();
  const restartRetry = () => jitter(100, 1000);

  // One listener for every stream, called with the response as `this`: no closure or context per stream.
  function closed(this: ServerResponse): void {
    const sink = streams.get(this);
    if (!sink) return;
    streams.delete(this);
    sink.ended = true;
    sink.releaseSlot();
    if (sink.conn) hub.disconnect(sink.conn);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, restaurant: string | undefined): Promise<void> {
    const verdict = await admitToRestaurant(gate, hub, {
      restaurant,
      origin: header(req, 'origin'),
      host: header(req, 'host'),
      peer: req.socket.remoteAddress ?? '',
      forwardedFor: header(req, 'x-forwarded-for'),
      authorization: header(req, 'authorization'),
      query: new URLSearchParams(req.url?.split('?')[1] ?? ''),
      resumeId: header(req, 'last-event-id'),
    });
    if (!verdict.ok) {
      secure(res);
      varyOrigin(res);
      if (verdict.reason !== 'origin') cors(req, res);
      return sendProblem(res, verdict, verdict.headers);
    }
    // A client gone while its token was checked (or its restaurant loaded) never becomes a stream.
    if (res.destroyed || res.writableEnded) return verdict.abandon();

    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    // Chunked framing stated here rather than left to node, because group publishes write ready-made chunks.
    const chunked = req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
    // Every header in one object: headers set one by one are kept for the stream's life by node (an entry and an
    // array per header, ~1 KB per stream); handed to writeHead alone, they only make the head.
    const origin = allowedOrigin(req);
    forgetHeaders(req);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      Vary: 'Origin',
      ...(origin ? { 'Access-Control-Allow-Origin': origin } : {}),
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}),
    });
    // The head on its own: written alone, node's head string is flattened by the write, so the stream keeps one flat
    // string rather than the ~50 pieces it was built from (~1 KB per stream).
    res.flushHeaders();
    res.write(encodeSseFrame({ retry: jitter(config.RETRY_MIN_MS, config.RETRY_MAX_MS) }));
    const sink = new SseSink(res, restartRetry, chunked, verdict.release);
    // Listening before the hub takes it: the slot is given back on close whatever happens from here.
    streams.set(res, sink);
    // `on`, not `once`: 'close' comes once anyway, and `once` wraps each listener in a bound function and a state.
    res.on('close', closed);
    sink.conn = hub.connect(sink, verdict.lease, verdict.options, verdict.grant.expiresAt);
  }

  return { streams, serve };
}
