// The SSE gateway's HTTP surface: /sse (restaurant `default`) and /sse/{rid} over the hub, health, readiness and metrics.
import express, { type Request, type Response } from 'express';
import { encodeSseFrame } from '@dish-live/protocol';
import { admitToRestaurant, type FanoutMetrics, type Hub } from '@dish-live/fanout';
import {
  healthAnswer, HttpProblem, readyAnswer, SECURITY_HEADERS, sameOrigin, sendProblem,
  type Gate, type Logger, type ProbeAnswer,
} from '@dish-live/server';
import type { SseConfig } from './config.js';
import { httpChunk, jitter, SseSink } from './sse-transport.js';

export interface SseAppOptions {
  hub: Hub<SseSink>;
  gate: Gate;
  config: SseConfig;
  metrics: FanoutMetrics;
  log: Logger;
}

export interface SseApp {
  app: express.Express;
  /** Open streams, for heartbeats and shutdown. */
  streams: Set<SseSink>;
  /** Tells every client to reconnect (short jittered retry) and ends its stream. */
  endAll(): void;
  stopHeartbeats(): void;
}

export function createSseApp({ hub, gate, config, metrics, log }: SseAppOptions): SseApp {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const streams = new Set<SseSink>();
  const restartRetry = () => jitter(100, 1000);
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });

  // The page's own origin needs no CORS headers; another allowed one gets its own origin back, never `*`.
  const cors = (req: Request, res: Response) => {
    const origin = req.get('origin');
    if (origin && !sameOrigin(origin, req.get('host'))) res.setHeader('Access-Control-Allow-Origin', origin);
  };
  // Every answer on /sse depends on the Origin, refusals included.
  app.use('/sse', (_req, res, next) => {
    res.setHeader('Vary', 'Origin');
    next();
  });

  // `/sse` serves `default`; `/sse/:rid` the restaurant its path names (the same options, the same everything).
  const paths = ['/sse', '/sse/:rid'];
  app.options(paths, (req, res) => {
    const foreign = gate.refuseOrigin(req.get('origin'), req.get('host'));
    if (foreign) return sendProblem(res, foreign);
    cors(req, res);
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    res.setHeader('Access-Control-Allow-Headers', 'Last-Event-ID, Cache-Control, Authorization');
    res.status(204).end();
  });

  app.get(paths, async (req, res) => {
    const verdict = await admitToRestaurant(gate, hub, {
      restaurant: typeof req.params.rid === 'string' ? req.params.rid : undefined,
      origin: req.get('origin'),
      host: req.get('host'),
      peer: req.socket.remoteAddress ?? '',
      forwardedFor: req.get('x-forwarded-for'),
      authorization: req.get('authorization'),
      query: new URLSearchParams(req.originalUrl.split('?')[1] ?? ''),
      resumeId: req.get('last-event-id'),
    });
    if (!verdict.ok) {
      if (verdict.reason !== 'origin') cors(req, res);
      return sendProblem(res, verdict, verdict.headers);
    }
    // A client gone while its token was checked (or its restaurant loaded) never becomes a stream.
    if (res.destroyed || res.writableEnded) return verdict.abandon();
    res.once('close', verdict.release);
    cors(req, res);

    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    // Chunked framing stated here rather than left to node, because group publishes write ready-made chunks.
    const chunked = req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}),
    });
    res.write(encodeSseFrame({ retry: jitter(config.RETRY_MIN_MS, config.RETRY_MAX_MS) }));
    const sink = new SseSink(res, restartRetry, chunked);
    streams.add(sink);
    const conn = hub.connect(sink, verdict.lease, verdict.options, verdict.grant.expiresAt);
    res.on('close', () => {
      sink.ended = true;
      streams.delete(sink);
      hub.disconnect(conn);
    });
  });

  const probe = (answer: () => ProbeAnswer) => (_req: Request, res: Response) => {
    const { status, headers, body } = answer();
    res.status(status).set(headers).json(body);
  };
  app.get('/healthz', probe(() => healthAnswer(hub.instance)));
  app.get('/readyz', probe(() => readyAnswer(hub.ready, { instance: hub.instance, restaurants: hub.restaurants.size })));
  app.get('/metrics', (_req, res, next) => {
    metrics.registry
      .metrics()
      .then((text) => res.type(metrics.registry.contentType).send(text))
      .catch(next);
  });

  app.use((req, res) => sendProblem(res, new HttpProblem(404, 'route-not-found', 'Not found', `no route for ${req.method} ${req.path}`)));
  // Whatever a handler throws (a malformed path, a bug) is a problem+json answer, never an HTML page or a stack trace.
  app.use((err: Error & { status?: number; statusCode?: number }, _req: Request, res: Response, _next: express.NextFunction) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) log.error({ err: err.message }, 'request failed');
    if (res.headersSent) return void res.end();
    const problem = status >= 400 && status < 500
      ? new HttpProblem(status, 'bad-request', 'Bad request', err.message)
      : new HttpProblem(500, 'internal', 'Internal server error', 'internal error');
    sendProblem(res, problem);
  });

  // One timer for every stream: a comment line with the server time keeps proxies from timing the stream out.
  const heartbeat = setInterval(() => {
    const frame = encodeSseFrame({ comment: `t=${Date.now()}` });
    const chunk = httpChunk(frame);
    for (const sink of streams) if (!sink.ended) sink.writeChunk(chunk, frame);
  }, config.HEARTBEAT_MS);
  heartbeat.unref();

  return {
    app,
    streams,
    endAll() {
      hub.closeAll('restart');
      log.info({ streams: streams.size }, 'streams ended');
    },
    stopHeartbeats() {
      clearInterval(heartbeat);
    },
  };
}
