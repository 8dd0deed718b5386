// The SSE gateway's HTTP surface: /sse over the hub, health, readiness and metrics.
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { parseSubscriptionQuery } from '@dish-live/protocol';
import { originAllowed, type FanoutMetrics, type Hub, type Logger } from '@dish-live/fanout';
import type { SseConfig } from './config.js';
import { sendProblem } from './problem.js';
import { jitter, SseSink } from './sse-transport.js';

export interface SseAppOptions {
  hub: Hub;
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

export function createSseApp({ hub, config, metrics, log }: SseAppOptions): SseApp {
  const app = express();
  app.disable('x-powered-by');
  const streams = new Set<SseSink>();
  const restartRetry = () => jitter(100, 1000);

  const cors = (req: Request, res: Response): boolean => {
    const origin = req.get('origin');
    if (!originAllowed(config.ALLOWED_ORIGINS, origin)) {
      sendProblem(res, 403, 'Forbidden', `origin ${origin ?? ''} is not allowed`);
      return false;
    }
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', config.ALLOWED_ORIGINS.trim() === '*' ? '*' : origin);
      res.setHeader('Vary', 'Origin');
    }
    return true;
  };

  app.options('/sse', (req, res) => {
    if (!cors(req, res)) return;
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    res.setHeader('Access-Control-Allow-Headers', 'Last-Event-ID, Cache-Control');
    res.status(204).end();
  });

  app.get('/sse', (req, res) => {
    if (!cors(req, res)) return;
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const parsed = parseSubscriptionQuery(query);
    if (!parsed.ok) return sendProblem(res, 400, 'Bad Request', parsed.message, { field: parsed.field });
    const options = parsed.options;
    // Last-Event-ID wins over ?since; an unusable one simply yields a snapshot.
    const lastEventId = req.get('last-event-id');
    if (lastEventId !== undefined && lastEventId !== '' && lastEventId.length <= 64) options.since = lastEventId;

    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${jitter(config.RETRY_MIN_MS, config.RETRY_MAX_MS)}\n\n`);
    const sink = new SseSink(res, restartRetry);
    streams.add(sink);
    const conn = hub.connect(sink, options);
    res.on('close', () => {
      sink.ended = true;
      streams.delete(sink);
      hub.disconnect(conn);
    });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', instance: hub.instance });
  });
  app.get('/readyz', (_req, res) => {
    res.status(hub.ready ? 200 : 503).json({ ready: hub.ready, instance: hub.instance, lastId: hub.lastId });
  });
  app.get('/metrics', (_req, res, next) => {
    metrics.registry
      .metrics()
      .then((text) => res.type(metrics.registry.contentType).send(text))
      .catch(next);
  });

  // One timer for every stream: a comment line with the server time keeps proxies from timing the stream out.
  const heartbeat = setInterval(() => {
    const frame = `: t=${Date.now()}\n\n`;
    for (const sink of streams) if (!sink.ended) sink.write(frame);
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
