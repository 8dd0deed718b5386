// Small in-test servers speaking the wire contract (WebSocket, SSE, polling) and bounded waits for the client's tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientEvents, DishClient } from './connect.js';

/** Values arriving over time, taken in order; a take that waits too long fails naming what it waited for. */
export class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((value: T) => void)[] = [];
  count = 0;

  push(value: T): void {
    this.count++;
    const waiter = this.#waiters.shift();
    if (waiter) waiter(value);
    else this.#items.push(value);
  }

  next(what: string, timeoutMs = 5000): Promise<T> {
    const ready = this.#items.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(done), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.#waiters.push(done);
    });
  }
}

/** Resolves with the first emission of `name` that passes `predicate`; attach it before causing the emission. */
export function waitFor<K extends keyof ClientEvents>(
  client: DishClient,
  name: K,
  predicate: (...args: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a matching "${String(name)}"`));
    }, timeoutMs);
    const off = client.on(name, (...args) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

/** Everything a client emitted, in order, for assertions on sequences. */
export function record(client: DishClient): { name: string; args: unknown[] }[] {
  const log: { name: string; args: unknown[] }[] = [];
  for (const name of ['snapshot', 'resumed', 'event', 'state', 'status', 'error', 'pong'] as const) {
    client.on(name, (...args: unknown[]) => log.push({ name, args }));
  }
  return log;
}

export interface WsConnection {
  socket: WebSocket;
  url: URL;
  /** Client → server frames, parsed. */
  frames: Inbox<unknown>;
}

export async function startWsServer(): Promise<{ url: string; connections: Inbox<WsConnection>; close(): Promise<void> }> {
  // Any path: a restaurant's connection comes to /ws/{rid}, and each test reads the path it expects from `url`.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const connections = new Inbox<WsConnection>();
  wss.on('connection', (socket, req) => {
    const frames = new Inbox<unknown>();
    // ws hands text frames over as one Buffer (no fragments option here).
    socket.on('message', (data) => frames.push(JSON.parse((data as Buffer).toString('utf8'))));
    connections.push({ socket, url: new URL(req.url ?? '/', 'http://localhost'), frames });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    connections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const client of wss.clients) client.terminate();
        wss.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export interface HttpExchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: string;
}

/** An HTTP server that hands every request (body read) to the test. */
export async function startHttpServer(): Promise<{ url: string; requests: Inbox<HttpExchange>; close(): Promise<void> }> {
  const requests = new Inbox<HttpExchange>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => requests.push({ req, res, url: new URL(req.url ?? '/', 'http://localhost'), body }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): string {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  return text;
}

export function openSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  res.flushHeaders();
}
