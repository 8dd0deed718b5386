// Test harness for the gateways: each a real process, and WS and SSE clients that keep every message.
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { SseParser, type ServerMessage } from '@dish-live/protocol';
import { startService, type ServiceProcess } from '@dish-live/test-support';

export type GatewayKind = 'ws' | 'sse';

export interface Gateway extends ServiceProcess {
  kind: GatewayKind;
  /** Where clients connect: ws://127.0.0.1:<port>/ws or http://127.0.0.1:<port>/sse. */
  url: string;
}

/** Starts a gateway from source as a real process and resolves once it logs that it listens. */
export async function startGateway(kind: GatewayKind, env: Record<string, string>): Promise<Gateway> {
  const proc = await startService(`${kind}-gateway`, env, { timeoutMs: 20_000 });
  return { ...proc, kind, url: kind === 'ws' ? `ws://127.0.0.1:${proc.port}/ws` : `http://127.0.0.1:${proc.port}/sse` };
}

export interface Received {
  messages: ServerMessage[];
  closed: boolean;
  closeCode?: number;
}

/** A WebSocket client keeping every message in order. */
export class WsClient implements Received {
  readonly messages: ServerMessage[] = [];
  readonly ws: WebSocket;
  closed = false;
  closeCode: number | undefined;
  readonly opened: Promise<void>;
  onMessage: ((m: ServerMessage) => void) | undefined;
  onClose: (() => void) | undefined;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data) => {
      const m = JSON.parse((data as Buffer).toString()) as ServerMessage;
      this.messages.push(m);
      this.onMessage?.(m);
    });
    this.ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.onClose?.();
    });
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  close(): void {
    this.onClose = undefined;
    this.ws.terminate();
  }
}

/** An SSE client over a raw http.get, parsed with the protocol's SseParser. */
export class SseClient implements Received {
  readonly messages: ServerMessage[] = [];
  readonly retries: number[] = [];
  readonly comments: string[] = [];
  closed = false;
  status: number | undefined;
  headers: IncomingMessage['headers'] = {};
  body = '';
  res: IncomingMessage | undefined;
  readonly opened: Promise<void>;
  readonly #req: ClientRequest;
  onMessage: ((m: ServerMessage) => void) | undefined;
  onClose: (() => void) | undefined;

  constructor(url: string, headers: Record<string, string> = {}) {
    const parser = new SseParser({
      onEvent: (e) => {
        const m = JSON.parse(e.data) as ServerMessage;
        this.messages.push(m);
        this.onMessage?.(m);
      },
      onRetry: (ms) => this.retries.push(ms),
      onComment: (text) => this.comments.push(text),
    });
    this.#req = get(url, { headers, agent: false }, (res) => {
      this.res = res;
      this.status = res.statusCode;
      this.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (this.status === 200) parser.feed(chunk);
        else this.body += chunk;
      });
      res.on('close', () => this.#closed());
      res.on('error', () => undefined);
    });
    this.#req.on('error', () => this.#closed());
    this.opened = new Promise((resolve, reject) => {
      this.#req.once('response', () => resolve());
      this.#req.once('error', reject);
    });
  }

  #closed(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
  }

  close(): void {
    this.onClose = undefined;
    this.#req.destroy();
    this.closed = true;
  }
}

export const events = (r: Received) => r.messages.filter((m): m is Extract<ServerMessage, { prev: string }> => 'prev' in m);

/** The sum of a metric's samples on a gateway's /metrics, optionally only those whose labels contain `match`. */
export async function metric(g: Gateway, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * A client that follows the log across gateways: on any close it reconnects to the next URL with its last id
 * (WS ?since=, SSE Last-Event-ID) and checks that every event continues its chain.
 */
export class Follower {
  readonly ids: string[] = [];
  readonly problems: string[] = [];
  readonly closeCodes: number[] = [];
  readonly retries: number[] = [];
  snapshots = 0;
  reconnects = 0;
  last: string | undefined;
  #client: WsClient | SseClient | undefined;
  #index: number;
  #stopped = false;

  constructor(
    readonly kind: GatewayKind,
    readonly urls: string[],
  ) {
    this.#index = 0;
    this.#connect();
  }

  #connect(): void {
    if (this.#stopped) return;
    const url = this.urls[this.#index % this.urls.length]!;
    const client =
      this.kind === 'ws'
        ? new WsClient(this.last ? `${url}?since=${this.last}` : url)
        : new SseClient(url, this.last ? { 'Last-Event-ID': this.last } : {});
    this.#client = client;
    client.opened.catch(() => undefined);
    client.onMessage = (m) => this.#message(m);
    client.onClose = () => {
      if (client instanceof WsClient && client.closeCode !== undefined) this.closeCodes.push(client.closeCode);
      if (client instanceof SseClient) this.retries.push(...client.retries);
      if (this.#stopped) return;
      // Reconnect elsewhere after a short jittered pause, as a real client would.
      this.#index++;
      this.reconnects++;
      setTimeout(() => this.#connect(), 20 + Math.floor(Math.random() * 80));
    };
  }

  #message(m: ServerMessage): void {
    switch (m.type) {
      case 'snapshot':
        this.snapshots++;
        this.last = m.id;
        break;
      case 'resumed':
        if (m.id !== this.last) this.problems.push(`resumed at ${m.id}, expected ${this.last}`);
        break;
      case 'state':
        this.problems.push(`unexpected state ${m.id}`);
        break;
      default:
        if ('prev' in m) {
          if (m.prev !== this.last) this.problems.push(`event ${m.id} has prev ${m.prev}, expected ${this.last}`);
          this.ids.push(m.id);
          this.last = m.id;
        }
    }
  }

  get connected(): boolean {
    return this.#client !== undefined && !this.#client.closed && this.snapshots > 0;
  }

  stop(): void {
    this.#stopped = true;
    this.#client?.close();
  }
}
