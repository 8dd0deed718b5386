// The SSE gateway's HTTP surface: /sse over the hub, health, readiness and metrics.
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { parseSubscriptionQuery } from '@dish-live/protocol';
import {
  clientAddress,
  ConnectionLimits,
  grantedOptions,
  healthAnswer,
  OPEN_GRANT,
  originAllowed,
  sameOrigin,
  readyAnswer,
  requestToken,
  SECURITY_HEADERS,
  type FanoutMetrics,
  type Grant,
  type Hub,
  type Logger,
  type ProbeAnswer,
  type SubscriptionAuth,
} from '@dish-live/fanout';
import type { SseConfig } from './config.js';
import { sendProblem } from './problem.js';
import { httpChunk, jitter, SseSink } from './sse-transport.js';

export interface SseAppOptions {
  hub: Hub<SseSink>;
  config: SseConfig;
  metrics: FanoutMetrics;
  log: Logger;
  auth: SubscriptionAuth;
}

export interface SseApp {
  app: express.Express;
  /** Open streams, for heartbeats and shutdown. */
  streams: Set<SseSink>;
  /** Tells every client to reconnect (short jittered retry) and ends its stream. */
  endAll(): void;
  stopHeartbeats(): void;
}

export function createSseApp({ hub, config, metrics, log, auth }: SseAppOptions): SseApp {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const streams = new Set<SseSink>();
  const restartRetry = () => jitter(100, 1000);
  const limits = new ConnectionLimits(config.MAX_CONNECTIONS, config.MAX_CONNECTIONS_PER_IP);
  const trust = config.TRUST_PROXY;

  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });

  const cors = (req: Request, res: Response): boolean => {
    const origin = req.get('origin');
    res.setHeader('Vary', 'Origin');
    if (!originAllowed(config.ALLOWED_ORIGINS, origin, req.get('host'))) {
      sendProblem(res, 403, 'Forbidden', `origin ${origin ?? ''} is not allowed`);
      return false;
    }
    // The page's own origin needs no CORS headers; another allowed one gets its own origin back, never `*`.
    if (origin && !sameOrigin(origin, req.get('host'))) res.setHeader('Access-Control-Allow-Origin', origin);
    return true;
  };

  app.options('/sse', (req, res) => {
    if (!cors(req, res)) return;
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    res.setHeader('Access-Control-Allow-Headers', 'Last-Event-ID, Cache-Control, Authorization');
    res.status(204).end();
  });

  app.get('/sse', async (req, res) => {
    if (!cors(req, res)) return;
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const parsed = parseSubscriptionQuery(query);
    if (!parsed.ok) return sendProblem(res, 400, 'Bad Request', parsed.message, { field: parsed.field });
    const options = parsed.options;
    // Last-Event-ID wins over ?since; an unusable one simply yields a snapshot.
    const lastEventId = req.get('last-event-id');
    if (lastEventId !== undefined && lastEventId !== '' && lastEventId.length <= 64) options.since = lastEventId;

    const ip = clientAddress(req.socket.remoteAddress ?? '', req.get('x-forwarded-for'), trust);
    const admission = limits.admit(ip);
    if (!admission.ok) {
      metrics.disconnects.labels('sse', `refused_${admission.reason}`).inc();
      res.setHeader('Retry-After', String(admission.retryAfterS));
      return sendProblem(res, admission.status, admission.status === 503 ? 'Service Unavailable' : 'Too Many Requests', admission.message);
    }
    const { release } = admission;
    res.once('close', release);

    let grant: Grant = OPEN_GRANT;
    if (auth.enabled) {
      // The token is checked before the stream opens: without a valid one nothing but a 401 is ever sent.
      const result = await auth.verify(requestToken(query, req.get('authorization')));
      if (res.destroyed || res.writableEnded) return release();
      if (!result.ok) {
        metrics.disconnects.labels('sse', 'refused_unauthorized').inc();
        res.setHeader('WWW-Authenticate', 'Bearer realm="dish-live"');
        return sendProblem(res, 401, 'Unauthorized', result.message, { code: 'unauthorized' });
      }
      grant = result.grant;
    }

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
    res.write(`retry: ${jitter(config.RETRY_MIN_MS, config.RETRY_MAX_MS)}\n\n`);
    const sink = new SseSink(res, restartRetry, chunked);
    streams.add(sink);
    const conn = hub.connect(sink, grantedOptions(options, grant));
    hub.expireAt(conn, grant.expiresAt);
    res.on('close', () => {
      sink.ended = true;
      streams.delete(sink);
      hub.disconnect(conn);
    });
  });

  const probe = (answer: (hub: Hub<SseSink>) => ProbeAnswer) => (_req: Request, res: Response) => {
    const { status, body } = answer(hub);
    res.status(status).json(body);
  };
  app.get('/healthz', probe(healthAnswer));
  app.get('/readyz', probe(readyAnswer));
  app.get('/metrics', (_req, res, next) => {
    metrics.registry
      .metrics()
      .then((text) => res.type(metrics.registry.contentType).send(text))
      .catch(next);
  });

  app.use((req, res) => sendProblem(res, 404, 'Not Found', `no route for ${req.method} ${req.path}`));
  // Whatever a handler throws (a malformed path, a bug) is a problem+json answer, never an HTML page or a stack trace.
  app.use((err: Error & { status?: number; statusCode?: number }, _req: Request, res: Response, _next: express.NextFunction) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) log.error({ err: err.message }, 'request failed');
    if (res.headersSent) return void res.end();
    sendProblem(res, status >= 400 && status < 600 ? status : 500, status >= 500 ? 'Internal Server Error' : 'Bad Request', status >= 500 ? 'internal error' : err.message);
  });

  // One timer for every stream: a comment line with the server time keeps proxies from timing the stream out.
  const heartbeat = setInterval(() => {
    const frame = `: t=${Date.now()}\n\n`;
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

/** Listens and resolves once bound; `close` stops accepting and drops idle keep-alive sockets. */
export function listen(app: express.Express, port: number, host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
    server.on('error', reject);
  });
}
