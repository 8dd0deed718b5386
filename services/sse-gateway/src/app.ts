// The SSE gateway's HTTP surface: /sse (restaurant `default`) and /sse/{rid} over the hub, health, readiness and metrics.
import type { RequestListener, ServerResponse } from 'node:http';
import express, { type Request, type Response } from 'express';
import { encodeSseFrame } from '@dish-live/protocol';
import type { FanoutMetrics, Hub } from '@dish-live/fanout';
import {
  healthAnswer, HttpProblem, readyAnswer, sendProblem, type Gate, type Logger, type ProbeAnswer,
} from '@dish-live/server';
import type { SseConfig } from './config.js';
import { httpChunk, type SseSink } from './sse-transport.js';
import { cors, secure, streamRoute, varyOrigin } from './stream.js';

export interface SseAppOptions {
  hub: Hub<SseSink>;
  gate: Gate;
  config: SseConfig;
  metrics: FanoutMetrics;
  log: Logger;
}

export interface SseApp {
  /** The server's request handler: streams on their usual paths directly, every other request through express. */
  handler: RequestListener;
  /** Open streams, for heartbeats and shutdown. */
  streams: ReadonlyMap<ServerResponse, SseSink>;
  /** Tells every client to reconnect (short jittered retry) and ends its stream. */
  endAll(): void;
  stopHeartbeats(): void;
}

/**
 * `/sse` and `/sse/{rid}` as clients send them. These skip express: a stream lives for hours, and express's
 * per-request state (params, query, route, locals, its closures) would live as long. Other spellings (case, a trailing
 * slash, escapes, HEAD) still go through express, to the same route.
 */
const STREAM_PATH = /^\/sse(?:\/([\w.~-]+))?(?:\?|$)/;

export function createSseApp({ hub, gate, config, metrics, log }: SseAppOptions): SseApp {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const route = streamRoute({ hub, gate, config });
  const { streams } = route;
  app.use((_req, res, next) => {
    secure(res);
    next();
  });
  app.use('/sse', (_req, res, next) => {
    varyOrigin(res);
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
  app.get(paths, (req, res) => route.serve(req, res, typeof req.params.rid === 'string' ? req.params.rid : undefined));

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
  const fail = (err: Error & { status?: number; statusCode?: number }, res: ServerResponse) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) log.error({ err: err.message }, 'request failed');
    if (res.headersSent) return void res.end();
    const problem = status >= 400 && status < 500
      ? new HttpProblem(status, 'bad-request', 'Bad request', err.message)
      : new HttpProblem(500, 'internal', 'Internal server error', 'internal error');
    sendProblem(res, problem);
  };
  app.use((err: Error, _req: Request, res: Response, _next: express.NextFunction) => fail(err, res));

  // One timer for every stream: a comment line with the server time keeps proxies from timing the stream out.
  const heartbeat = setInterval(() => {
    const frame = encodeSseFrame({ comment: `t=${Date.now()}` });
    const chunk = httpChunk(frame);
    for (const sink of streams.values()) if (!sink.ended) sink.writeChunk(chunk, frame);
  }, config.HEARTBEAT_MS);
  heartbeat.unref();

  return {
    handler(req, res) {
      const stream = req.method === 'GET' ? STREAM_PATH.exec(req.url ?? '') : null;
      if (!stream) return void app(req, res);
      route.serve(req, res, stream[1]).catch((err: Error) => {
        // The headers express's middleware would have set; serve sets them on its own answers only.
        if (!res.headersSent) {
          secure(res);
          varyOrigin(res);
        }
        fail(err, res);
      });
    },
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
