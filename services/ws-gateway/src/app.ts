// The WebSocket gateway's uWS app: /ws (restaurant `default`) and /ws/{rid} over the hub, and health, readiness and
// metrics on the same port.
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t, WebSocketBehavior } from 'uWebSockets.js';
import { CLOSE_CODES } from '@dish-live/protocol';
import type { RateLimiter } from '@dish-live/broker';
import { admitToRestaurant, createClientMessageHandler, type Entry, type FanoutMetrics, type Hub } from '@dish-live/fanout';
import {
  healthAnswer, PROBLEM_CONTENT_TYPE, problemJson, readyAnswer, SECURITY_HEADERS, statusLine,
  type ConnectionLimits, type Gate, type Logger, type Problem, type ProbeAnswer, type SubscriptionAuth,
} from '@dish-live/server';
import type { WsConfig } from './config.js';
import type { Uws } from './uws.js';
import { WsSink } from './ws-transport.js';

/**
 * uWS copies these onto its socket object, and every property it has costs each socket: three fit the smallest
 * property store V8 gives an object, so there are three, all set at the upgrade.
 */
interface SocketData {
  /** What the gate granted (restaurant, options, grant, the slot, the restaurant's lease) until the socket opens. */
  admitted: Entry<WsSink> | undefined;
  /** The refused token's reason: the socket is closed 1008 with it as soon as it opens, before any data. */
  refused: string | undefined;
  /** The client, once open: sink, session and connection. */
  sink: WsSink | undefined;
}

export interface WsAppOptions {
  /** The uWS app the hub's transport publishes through. */
  app: TemplatedApp;
  hub: Hub<WsSink>;
  gate: Gate;
  /** The gate's connection counts: a closing socket gives its slot back by its address (see `GatewayCore.limits`). */
  limits: ConnectionLimits;
  config: WsConfig;
  metrics: FanoutMetrics;
  log: Logger;
  auth: SubscriptionAuth;
  chatLimiter: RateLimiter;
}

/** The gateway's security headers on any HTTP answer. */
function secure(res: HttpResponse): HttpResponse {
  for (const name in SECURITY_HEADERS) res.writeHeader(name, SECURITY_HEADERS[name]!);
  return res;
}

/** An HTTP refusal as application/problem+json, before any upgrade. */
function refuse(res: HttpResponse, problem: Problem, headers: Record<string, string> = {}): void {
  secure(res.writeStatus(statusLine(problem.status)));
  for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
  res.writeHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.end(problemJson(problem));
}

export function createWsApp(o: WsAppOptions): { openSockets: () => number } {
  const { app, hub, gate, config, log, auth } = o;
  // Sockets uWS still holds, which the hub forgets as soon as it closes them: shutdown waits for these.
  let open = 0;
  /**
   * uWebSockets.js 20.30 may shut a socket it has just upgraded inside `res.cork` (docs/ARCHITECTURE.md, "Known
   * issues"): after the callback it mistakes the reallocated WebSocket for the HTTP response. With another socket
   * corked, `res.cork` runs the upgrade on its other path, without that check (and uWS's "writes must be corked"
   * warning stays quiet). Any open client serves: the newest one opened; without one, the plain cork.
   */
  let corker: WsSink | undefined;
  const corkForUpgrade = (res: HttpResponse, upgrade: () => void) => {
    const other = corker;
    if (other && !other.closed) other.ws.cork(() => res.cork(upgrade));
    else res.cork(upgrade);
  };
  const messages = createClientMessageHandler({
    hub, logger: log, auth,
    chatLimiter: o.chatLimiter, chatRate: { burst: config.CHAT_BURST, perSecond: config.CHAT_RATE },
    chatRequiresToken: config.CHAT_REQUIRES_TOKEN,
  });

  /** `/ws` serves `default`; `/ws/:rid` the restaurant its path names (the same options, the same everything). */
  const behavior = (namedRestaurant: boolean): WebSocketBehavior<SocketData> => ({
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
      // Everything from req is read now: it is gone once this handler returns.
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const restaurant = namedRestaurant ? req.getParameter(0) : undefined;
      let aborted = false;
      res.onAborted(() => (aborted = true));
      void admitToRestaurant(gate, hub, {
        restaurant,
        origin: req.getHeader('origin') || undefined,
        host: req.getHeader('host') || undefined,
        peer: Buffer.from(res.getRemoteAddressAsText()).toString(),
        forwardedFor: req.getHeader('x-forwarded-for') || undefined,
        authorization: req.getHeader('authorization') || undefined,
        query: new URLSearchParams(req.getQuery() ?? ''),
      }).then((verdict) => {
        if (aborted) {
          if (verdict.ok) verdict.abandon();
          return;
        }
        corkForUpgrade(res, () => {
          // A refused token still gets the upgrade, and then at once a close 1008 with the reason and nothing else: a
          // browser cannot read the HTTP status of a failed upgrade, and would take a 401 for a network failure.
          if (verdict.ok || verdict.reason === 'unauthorized') {
            const data: SocketData = {
              admitted: verdict.ok ? verdict : undefined, refused: verdict.ok ? undefined : `unauthorized: ${verdict.detail}`, sink: undefined,
            };
            res.upgrade(data, key, protocol, extensions, context);
          } else {
            refuse(res, verdict, verdict.headers);
          }
        });
      });
    },
    open(ws) {
      open++;
      const data = ws.getUserData();
      const admitted = data.admitted;
      // A close reason is at most 123 bytes.
      if (!admitted) return ws.end(CLOSE_CODES.policy, Buffer.from(data.refused ?? 'refused').subarray(0, 123).toString());
      const sink = new WsSink(ws, admitted.ip, admitted.grant);
      corker = sink;
      data.admitted = undefined;
      sink.conn = hub.connect(sink, admitted.lease, admitted.options, admitted.grant.expiresAt);
      data.sink = sink;
      // A bad query value is answered, then the socket is served with defaults (it may send a hello to fix it).
      if (admitted.queryError) hub.send(sink.conn, { type: 'error', code: 'bad_message', message: admitted.queryError });
    },
    message(ws, message, isBinary) {
      if (message.byteLength > config.MAX_PAYLOAD_BYTES) {
        ws.end(CLOSE_CODES.tooLarge, `frame too large: at most ${config.MAX_PAYLOAD_BYTES} bytes`);
        return;
      }
      const sink = ws.getUserData().sink;
      if (sink) messages.handle(sink, message, isBinary);
    },
    close(ws, code) {
      open--;
      const sink = ws.getUserData().sink;
      // A refused socket never held a slot; an admitted one gives its slot back here, its only close.
      if (!sink) return;
      o.limits.release(sink.ip);
      sink.closed = true;
      if (corker === sink) corker = undefined;
      hub.disconnect(sink.conn, code === 1009 ? 'too_large' : code === CLOSE_CODES.tokenExpired ? 'token_expired' : 'client');
    },
  });
  app.ws<SocketData>('/ws', behavior(false));
  app.ws<SocketData>('/ws/:rid', behavior(true));

  const probe = (answer: () => ProbeAnswer) => (res: HttpResponse) => {
    const { status, headers, body } = answer();
    secure(res.writeStatus(statusLine(status)));
    for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
    res.writeHeader('Content-Type', 'application/json').end(JSON.stringify(body));
  };
  app.get('/healthz', probe(() => healthAnswer(hub.instance)));
  app.get('/readyz', probe(() => readyAnswer(hub.ready, { instance: hub.instance, restaurants: hub.restaurants.size })));
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    o.metrics.registry
      .metrics()
      .then((text) => respond(res, () => aborted, '200 OK', o.metrics.registry.contentType, text))
      .catch((err: Error) => respond(res, () => aborted, '500 Internal Server Error', 'text/plain', err.message));
  });
  app.any('/*', (res, req) => {
    refuse(res, { status: 404, slug: 'route-not-found', title: 'Not found', detail: `no route for ${req.getMethod().toUpperCase()} ${req.getUrl()}` });
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
