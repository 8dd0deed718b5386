// One webhook delivery attempt: a POST to the checked address, bounded in time and in what it reads back.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

/** The contract's WEBHOOK_TIMEOUT_MS default. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Enough of a receiver's answer to show in a delivery log; the rest is never read. */
export const DEFAULT_MAX_BODY_BYTES = 4096;

export interface DeliveryRequest {
  url: URL | string;
  /** The address resolveAndCheck returned for this URL: the only one this attempt connects to. */
  address: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The whole attempt: connecting, sending, and the response's status and headers. */
  timeoutMs: number;
  /**
   * The attempt's deadline when it began before this call (its DNS lookup): aborting ends the attempt as a timeout of
   * `timeoutMs`, so the lookup, the connection and the response share one budget.
   */
  signal?: AbortSignal;
  maxBodyBytes: number;
}

export interface DeliveryResult {
  /** The response's status, or null when none came (refused, reset, timed out, TLS failure). */
  status: number | null;
  ok: boolean;
  /** 410: the receiver asks for the webhook to be disabled. */
  gone: boolean;
  retryable: boolean;
  error?: string;
  /** The start of the response body, at most maxBodyBytes of it. */
  bodyPreview: string;
  ms: number;
}

/**
 * Never rejects: every failure is a result. The connection goes to `address` with the URL's name kept in the Host
 * header and as the TLS server name (so certificates are checked against the name), and no DNS is asked again, so a
 * name cannot be rebound between the check and the connection. Redirects are not followed: a 3xx is a failure and,
 * like every other non-2xx but 410, retryable, as the contract retries until a 2xx (a receiver behind a maintenance
 * redirect may be back on the next try; one that always redirects uses up the attempts and ends as failed).
 */
export function deliverOnce(request: DeliveryRequest): Promise<DeliveryResult> {
  const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
  const name = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const started = performance.now();
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const timedOut = `timeout after ${request.timeoutMs} ms`;
  // The lookup used the whole budget: nothing is sent.
  if (request.signal?.aborted) return Promise.resolve(outcome({ status: null, location: undefined, error: timedOut, bodyPreview: '', ms: 0 }));

  return new Promise((resolve) => {
    let status: number | null = null;
    let location: string | undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onDeadline);
      // Also drops whatever of the response is still unread: a receiver cannot keep this attempt busy.
      req.destroy();
      const bodyPreview = Buffer.concat(chunks).toString('utf8');
      resolve(outcome({ status, location, error, bodyPreview, ms: performance.now() - started }));
    };

    const onResponse = (res: IncomingMessage) => {
      status = res.statusCode ?? null;
      location = res.headers.location;
      // With the status in hand the outcome is known; the body is read only for the log, within the same deadline.
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = request.maxBodyBytes - received;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        received += Math.min(chunk.length, room);
        if (received >= request.maxBodyBytes) finish();
      });
      res.on('end', () => finish());
      res.on('error', () => finish());
      res.on('close', () => finish());
    };

    const req = send(
      {
        protocol: url.protocol,
        hostname: request.address,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...request.headers, host: url.host, 'content-length': String(Buffer.byteLength(request.body)) },
        // A certificate names a host, never an address; SNI must not carry an IP literal.
        servername: isIP(name) === 0 ? name : '',
        // A fresh connection per attempt: a pooled one could lead to an address checked for another delivery.
        agent: false,
      },
      onResponse,
    );
    req.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    const onDeadline = () => finish(status === null ? timedOut : undefined);
    const timer = setTimeout(onDeadline, request.timeoutMs);
    request.signal?.addEventListener('abort', onDeadline, { once: true });
    req.end(request.body);
  });
}

interface Attempt {
  status: number | null;
  location: string | undefined;
  error: string | undefined;
  bodyPreview: string;
  ms: number;
}

function outcome({ status, location, error, bodyPreview, ms }: Attempt): DeliveryResult {
  const ok = status !== null && status >= 200 && status < 300;
  const gone = status === 410;
  const result: DeliveryResult = { status, ok, gone, retryable: !ok && !gone, bodyPreview, ms: Math.round(ms) };
  const redirected = status !== null && status >= 300 && status < 400;
  const why = error ?? (redirected ? `redirect${location ? ` to ${location.slice(0, 200)}` : ''} not followed` : undefined);
  return why === undefined ? result : { ...result, error: why };
}
