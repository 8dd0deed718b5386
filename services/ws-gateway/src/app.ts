// The WebSocket gateway's uWS app: /ws over the hub, and health, readiness and metrics on the same port.
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t } from 'uWebSockets.js';
import { CLOSE_CODES, parseSubscriptionQuery, type ChatInput, type SubscriptionOptions } from '@dish-live/protocol';
import type { RateLimiter } from '@dish-live/broker';
import {
  clientAddress,
  ConnectionLimits,
  createClientMessageHandler,
  grantedOptions,
  healthAnswer,
  OPEN_GRANT,
  originAllowed,
  readyAnswer,
  requestToken,
  SECURITY_HEADERS,
  type ClientSession,
  type Connection,
  type FanoutMetrics,
  type Grant,
  type Hub,
  type Logger,
  type ProbeAnswer,
  type SubscriptionAuth,
} from '@dish-live/fanout';
import type { WsConfig } from './config.js';
import type { Uws } from './uws.js';
import { WsSink } from './ws-transport.js';

interface SocketData {
  /** What the client asked for; its grant narrows it. */
  options: SubscriptionOptions;
  /** Why the query was unusable, answered once the socket is open. */
  queryError: string | undefined;
  ip: string;
  grant: Grant;
  /** Gives the connection slot back; only the first call counts. */
  release: () => void;
  /** Why the token was refused: the socket is closed 1008 with it as soon as it opens, before any data. */
  refused?: string;
  conn?: Connection<WsSink>;
  session?: ClientSession<WsSink>;
}

export interface WsAppOptions {
  /** The uWS app the hub's transport publishes through. */
  app: TemplatedApp;
  hub: Hub<WsSink>;
  config: WsConfig;
  metrics: FanoutMetrics;
  log: Logger;
  auth: SubscriptionAuth;
  chatLimiter: RateLimiter;
  appendChat(chat: ChatInput): Promise<unknown>;
}

const STATUS_TEXT: Record<number, string> = {
  401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found', 429: '429 Too Many Requests', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

/** The gateway's security headers on any HTTP answer. */
function secure(res: HttpResponse): HttpResponse {
  for (const name in SECURITY_HEADERS) res.writeHeader(name, SECURITY_HEADERS[name]!);
  return res;
}

/** An HTTP refusal as application/problem+json, before any upgrade. */
function refuse(res: HttpResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  secure(res.writeStatus(STATUS_TEXT[status] ?? `${status} Error`));
  for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
  res.writeHeader('Content-Type', 'application/problem+json');
  res.end(JSON.stringify({ type: 'about:blank', title: (STATUS_TEXT[status] ?? String(status)).slice(4), status, detail }));
}

export function createWsApp(o: WsAppOptions): { openSockets: () => number } {
  const { app, hub, config, metrics, log, auth } = o;
  // Sockets uWS still holds, which the hub forgets as soon as it closes them: shutdown waits for these.
  let open = 0;
  const limits = new ConnectionLimits(config.MAX_CONNECTIONS, config.MAX_CONNECTIONS_PER_IP);
  const trust = config.TRUST_PROXY;
  const refusals = metrics.disconnects;
  const messages = createClientMessageHandler({
    hub, appendChat: (chat) => o.appendChat(chat), logger: log, auth,
    chatLimiter: o.chatLimiter, chatRate: { burst: config.CHAT_BURST, perSecond: config.CHAT_RATE },
    chatRequiresToken: config.CHAT_REQUIRES_TOKEN,
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
    upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t) {
      const origin = req.getHeader('origin');
      if (!originAllowed(config.ALLOWED_ORIGINS, origin, req.getHeader('host'))) return refuse(res, 403, 'origin not allowed');
      // Everything from req is read now: it is gone once this handler returns.
      const query = new URLSearchParams(req.getQuery() ?? '');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const token = requestToken(query, req.getHeader('authorization'));
      const ip = clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for') || undefined, trust);
      const admission = limits.admit(ip);
      if (!admission.ok) {
        refusals.labels('ws', `refused_${admission.reason}`).inc();
        return refuse(res, admission.status, admission.message, { 'Retry-After': String(admission.retryAfterS) });
      }
      const parsed = parseSubscriptionQuery(query);
      const data: SocketData = {
        options: parsed.ok ? parsed.options : {},
        queryError: parsed.ok ? undefined : parsed.message,
        ip, grant: OPEN_GRANT, release: admission.release,
      };
      if (!auth.enabled) {
        res.upgrade(data, key, protocol, extensions, context);
        return;
      }
      // The token is checked before the upgrade. A refused one still gets the upgrade, and then at once a close 1008
      // with the reason and nothing else: a browser cannot read an HTTP status of a failed upgrade, and would take a
      // 401 for a network failure and retry forever.
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
        data.release();
      });
      void auth.verify(token).then((result) => {
        if (aborted) return;
        res.cork(() => {
          if (!result.ok) {
            refusals.labels('ws', 'refused_unauthorized').inc();
            data.refused = `unauthorized: ${result.message}`;
          } else {
            data.grant = result.grant;
          }
          res.upgrade(data, key, protocol, extensions, context);
        });
      });
    },
    open(ws) {
      open++;
      const data = ws.getUserData();
      // A close reason is at most 123 bytes.
      if (data.refused) return ws.end(CLOSE_CODES.policy, Buffer.from(data.refused).subarray(0, 123).toString());
      const conn = hub.connect(new WsSink(ws), grantedOptions(data.options, data.grant));
      hub.expireAt(conn, data.grant.expiresAt);
      data.conn = conn;
      data.session = messages.session(conn, data.ip, data.grant, data.options);
      // A bad query value is answered, then the socket is served with defaults (it may send a hello to fix it).
      if (data.queryError) hub.send(conn, { type: 'error', code: 'bad_message', message: data.queryError });
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
      const data = ws.getUserData();
      data.release();
      const conn = data.conn;
      if (!conn) return;
      conn.sink.closed = true;
      hub.disconnect(conn, code === 1009 ? 'too_large' : code === CLOSE_CODES.tokenExpired ? 'token_expired' : 'client');
    },
  });

  const probe = (answer: (hub: Hub<WsSink>) => ProbeAnswer) => (res: HttpResponse) => {
    const { status, body } = answer(hub);
    secure(res.writeStatus(status === 200 ? '200 OK' : STATUS_TEXT[status]!))
      .writeHeader('Content-Type', 'application/json')
      .end(JSON.stringify(body));
  };
  app.get('/healthz', probe(healthAnswer));
  app.get('/readyz', probe(readyAnswer));
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    metrics.registry
      .metrics()
      .then((text) => respond(res, () => aborted, '200 OK', metrics.registry.contentType, text))
      .catch((err: Error) => respond(res, () => aborted, '500 Internal Server Error', 'text/plain', err.message));
  });
  app.any('/*', (res) => {
    refuse(res, 404, 'not found');
  });
  return { openSockets: () => open };
}

function respond(res: HttpResponse, aborted: () => boolean, status: string, type: string, body: string): void {
  if (aborted()) return;
  res.cork(() => secure(res.writeStatus(status)).writeHeader('Content-Type', type).end(body));
}

export function listen(uws: Uws, app: TemplatedApp, host: string, port: number): Promise<{ socket: us_listen_socket; port: number }> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (!socket) return reject(new Error(`ws-gateway could not listen on ${host}:${port}`));
      resolve({ socket, port: uws.us_socket_local_port(socket) });
    });
  });
}
