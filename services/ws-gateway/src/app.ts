// The WebSocket gateway's uWS app: /ws over the hub, and health, readiness and metrics on the same port.
import type { HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { CLOSE_CODES, parseSubscriptionQuery, type ChatInput, type SubscriptionOptions } from '@dish-live/protocol';
import {
  createClientMessageHandler,
  originAllowed,
  type ClientSession,
  type Connection,
  type FanoutMetrics,
  type Hub,
  type Logger,
} from '@dish-live/fanout';
import type { WsConfig } from './config.js';
import type { Uws } from './uws.js';
import { WsSink, type WsTransport } from './ws-transport.js';

interface SocketData {
  options: SubscriptionOptions;
  queryError: { field: string; message: string } | undefined;
  conn?: Connection<WsSink>;
  session?: ClientSession;
}

export interface WsAppOptions {
  uws: Uws;
  hub: Hub;
  transport: WsTransport;
  config: WsConfig;
  metrics: FanoutMetrics;
  log: Logger;
  appendChat(chat: ChatInput): Promise<unknown>;
}

export function createWsApp(o: WsAppOptions): { app: TemplatedApp; openSockets: () => number } {
  const { uws, hub, config, metrics, log } = o;
  const app = uws.App();
  // Sockets uWS still holds, which the hub forgets as soon as it closes them: shutdown waits for these.
  let open = 0;
  o.transport.app = app;
  const messages = createClientMessageHandler({
    hub, appendChat: (chat) => o.appendChat(chat), logger: log, chatRate: config.CHAT_RATE, chatBurst: config.CHAT_BURST,
  });

  app.ws<SocketData>('/ws', {
    // uWS drops an oversize frame's connection without a close frame (1006); frames up to 4× the limit are caught
    // here instead and answered with a proper 1009.
    maxPayloadLength: 4 * config.MAX_PAYLOAD_BYTES,
    idleTimeout: config.IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    // The hub disconnects at the hard limit; uWS must never silently skip a frame before that, so its own cap sits well
    // above, and reaching it closes the socket (the client resumes) rather than dropping.
    maxBackpressure: 2 * config.HARD_LIMIT_BYTES + 1024 * 1024,
    closeOnBackpressureLimit: 1,
    upgrade(res, req, context) {
      const origin = req.getHeader('origin');
      if (!originAllowed(config.ALLOWED_ORIGINS, origin)) {
        res.writeStatus('403 Forbidden').writeHeader('Content-Type', 'text/plain').end('origin not allowed');
        return;
      }
      const parsed = parseSubscriptionQuery(new URLSearchParams(req.getQuery() ?? ''));
      const data: SocketData = parsed.ok
        ? { options: parsed.options, queryError: undefined }
        : { options: {}, queryError: { field: parsed.field, message: parsed.message } };
      res.upgrade(
        data,
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open(ws) {
      open++;
      const data = ws.getUserData();
      const conn = hub.connect(new WsSink(ws), data.options);
      data.conn = conn;
      data.session = messages.session(conn);
      // A bad query value is answered, then the socket is served with defaults (it may send a hello to fix it).
      if (data.queryError) {
        const code = data.queryError.field === 'since' ? 'bad_since' : 'bad_message';
        hub.send(conn, { type: 'error', code, message: data.queryError.message });
      }
    },
    message(ws, message, isBinary) {
      if (message.byteLength > config.MAX_PAYLOAD_BYTES) {
        ws.end(CLOSE_CODES.tooLarge, `frame too large: at most ${config.MAX_PAYLOAD_BYTES} bytes`);
        return;
      }
      const session = ws.getUserData().session;
      if (session) messages.handle(session, message, isBinary);
    },
    close(ws, code) {
      open--;
      const conn = ws.getUserData().conn;
      if (!conn) return;
      conn.sink.closed = true;
      hub.disconnect(conn, code === 1009 ? 'too_large' : 'client');
    },
  });

  app.get('/healthz', (res) => {
    res.writeHeader('Content-Type', 'application/json').end(JSON.stringify({ status: 'ok', instance: hub.instance }));
  });
  app.get('/readyz', (res) => {
    res
      .writeStatus(hub.ready ? '200 OK' : '503 Service Unavailable')
      .writeHeader('Content-Type', 'application/json')
      .end(JSON.stringify({ ready: hub.ready, instance: hub.instance, lastId: hub.lastId }));
  });
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    metrics.registry
      .metrics()
      .then((text) => respond(res, () => aborted, '200 OK', metrics.registry.contentType, text))
      .catch((err: Error) => respond(res, () => aborted, '500 Internal Server Error', 'text/plain', err.message));
  });
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').writeHeader('Content-Type', 'text/plain').end('not found');
  });
  return { app, openSockets: () => open };
}

function respond(res: HttpResponse, aborted: () => boolean, status: string, type: string, body: string): void {
  if (aborted()) return;
  res.cork(() => res.writeStatus(status).writeHeader('Content-Type', type).end(body));
}

export function listen(uws: Uws, app: TemplatedApp, host: string, port: number): Promise<{ socket: us_listen_socket; port: number }> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (!socket) return reject(new Error(`ws-gateway could not listen on ${host}:${port}`));
      resolve({ socket, port: uws.us_socket_local_port(socket) });
    });
  });
}
