// WebSocket and SSE clients that keep every server message in order, for the tests that talk to the gateways.
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { SseParser, type ServerMessage } from '@dish-live/protocol';

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
      this.ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`upgrade refused: ${res.statusCode}`));
        // As ws does when nobody listens for a refusal: the close that follows tells whoever waits on one.
        this.ws.terminate();
      });
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
