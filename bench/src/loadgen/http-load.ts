// HTTP/1.1 keep-alive load: a fixed number of connections, each sending its next GET as soon as the answer is read.
// Raw sockets and a minimal response reader rather than node:http's client, whose per-request objects cost about
// what the bare server spends on a request: sharing a core with Redis, it capped the baseline it was measuring.
import { connect, type Socket } from 'node:net';
import { LatencyHistogram, type HistogramData } from './stats.js';

export interface HttpLoadResult {
  /** Answers read in full, whatever their status. */
  requests: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  non2xx: number;
  /** Requests that got no answer (refused, reset, timed out, or an answer this reader does not take). */
  errors: number;
  firstError?: string;
  /** Body bytes read. */
  bytes: number;
  /** From the first request to the last answer. */
  elapsedMs: number;
  latency: HistogramData;
}

/** An error that repeats at once (connection refused) must not spin a core: a failed connection waits this long. */
const ERROR_PAUSE_MS = 10;
const REQUEST_TIMEOUT_MS = 30_000;
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 16 * 1024;

export interface ResponseHead {
  status: number;
  /** Body length; 0 for the statuses that have none. */
  length: number;
}

/** Status and body length from a response head (without the blank line); an error for what this reader does not take. */
export function parseHead(head: string): ResponseHead {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
  if (!status) throw new Error(`not an HTTP/1.x answer: ${JSON.stringify(head.slice(0, 40))}`);
  const code = Number(status);
  if (code === 204 || code === 304 || (code >= 100 && code < 200)) return { status: code, length: 0 };
  // The servers measured answer with a length (express's send); a chunked answer would be read wrong, so it is refused.
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1];
  if (length === undefined) throw new Error(`HTTP ${code} without Content-Length`);
  return { status: code, length: Number(length) };
}

/** A request other than a plain GET (the writes scenario's PATCHes): method, path, extra headers, a JSON body. */
export interface HttpRequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The request's bytes as sent: a body gets its Content-Type and Content-Length. */
export function requestBytes(port: number, spec: HttpRequestSpec): Buffer {
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const headers = { Host: `127.0.0.1:${port}`, Accept: 'application/json', ...spec.headers };
  if (body) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
  const head = Buffer.from(`${spec.method} ${spec.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/**
 * GETs `path` on 127.0.0.1:`port` over `connections` keep-alive connections for `durationMs`; or, given a list of
 * requests, sends them in turn (each connection takes the next one of the list when it sends).
 */
export async function httpLoad(port: number, path: string | HttpRequestSpec[], connections: number, durationMs: number): Promise<HttpLoadResult> {
  const specs = typeof path === 'string' ? [{ method: 'GET', path }] : path;
  if (specs.length === 0) throw new Error('httpLoad: no request to send');
  const requests_ = specs.map((spec) => requestBytes(port, spec));
  let turn = 0;
  const latency = new LatencyHistogram();
  const statuses: Record<string, number> = {};
  let requests = 0;
  let non2xx = 0;
  let errors = 0;
  let bytes = 0;
  let firstError: string | undefined;
  let lastAnswerAt = 0;
  const started = performance.now();
  const deadline = started + durationMs;

  /** One connection's requests, one after the other, until the time is up or the connection fails; false on failure. */
  const session = () =>
    new Promise<boolean>((resolve) => {
      let head: Buffer | undefined;
      let remaining = -1;
      let status = 0;
      let sentAt = 0;
      let settled = false;
      const finish = (ok: boolean, socket: Socket, err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) {
          errors++;
          firstError ??= err.message;
        }
        socket.destroy();
        resolve(ok);
      };
      const send = (socket: Socket) => {
        sentAt = performance.now();
        socket.write(requests_[turn++ % requests_.length]!);
      };
      const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => send(socket));
      socket.setTimeout(REQUEST_TIMEOUT_MS, () => finish(false, socket, new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      socket.on('error', (err) => finish(false, socket, err));
      socket.on('close', () => finish(false, socket, new Error('connection closed before the answer')));
      socket.on('data', (chunk: Buffer) => {
        let offset = 0;
        while (offset < chunk.length && !settled) {
          if (remaining < 0) {
            const buf: Buffer = head ? Buffer.concat([head, chunk.subarray(offset)]) : chunk.subarray(offset);
            const end = buf.indexOf(HEAD_END);
            if (end < 0) {
              if (buf.length > MAX_HEAD) return finish(false, socket, new Error('response head over 16 KB'));
              head = Buffer.from(buf);
              return;
            }
            try {
              ({ status, length: remaining } = parseHead(buf.toString('latin1', 0, end)));
            } catch (err) {
              return finish(false, socket, err as Error);
            }
            offset += end + HEAD_END.length - (head?.length ?? 0);
            head = undefined;
          }
          const take = Math.min(remaining, chunk.length - offset);
          remaining -= take;
          bytes += take;
          offset += take;
          if (remaining > 0) return;
          remaining = -1;
          lastAnswerAt = performance.now();
          latency.record(lastAnswerAt - sentAt);
          requests++;
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status < 200 || status > 299) non2xx++;
          if (lastAnswerAt >= deadline) return finish(true, socket);
          send(socket);
        }
      });
    });

  const lane = async () => {
    while (performance.now() < deadline) {
      if (!(await session())) await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS));
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  return {
    requests, statuses, non2xx, errors, bytes,
    elapsedMs: Math.max(lastAnswerAt, deadline) - started,
    latency: latency.toData(),
    ...(firstError ? { firstError } : {}),
  };
}
