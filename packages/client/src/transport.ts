// What connect() needs from a transport: open one connection, hand it messages, say how it ended.
export type TransportKind = 'ws' | 'sse' | 'poll';

/** How a connection ended, and whether to try again. */
export interface TransportEnd {
  retry: boolean;
  reason: string;
  /** A WebSocket close code, when there was one. */
  code?: number;
  /**
   * The server refused this client (WS close 1008, SSE 401/403): another attempt with the same credentials would be
   * refused again, so connect() renews the token once when it can, and otherwise stops and says why.
   */
  refused?: boolean;
}

export interface TransportSink {
  /** A parsed server message. */
  message(message: unknown): void;
  /** UTF-8 bytes received, for the status bar. */
  traffic(bytes: number): void;
  /** A request made (polling), for the status bar. */
  request(): void;
  /** The connection works without a snapshot or resumed message to say so (polling's answer with no events). */
  live(): void;
  /** Called at most once per connection; never after the connection was closed by the client. */
  end(end: TransportEnd): void;
}

export interface TransportParams {
  /** Where the connection resumes; asked at each request so polling always sends the newest. */
  cursor(): string | undefined;
  maxRate?: number;
  categories?: readonly string[];
}

export interface TransportConnection {
  close(): void;
  /** Sends a chat line over the connection itself, where the transport can (WebSocket). */
  send?(text: string): boolean;
}

/**
 * Resolves a URL the way a page would (so `/ws` or `/sse` behind the same nginx work), with http(s) turned into
 * ws(s) for WebSocket, which older browsers require.
 */
export function resolveUrl(url: string, kind: TransportKind | 'http' = 'http'): URL {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const resolved = new URL(url, page);
  if (kind === 'ws' && /^https?:$/.test(resolved.protocol)) resolved.protocol = resolved.protocol === 'https:' ? 'wss:' : 'ws:';
  return resolved;
}

/** Appends the subscription options to a URL as the gateways read them. */
export function subscriptionUrl(
  base: string,
  kind: TransportKind,
  since: string | undefined,
  params: TransportParams,
  extra: Record<string, string> = {},
): string {
  const url = resolveUrl(base, kind);
  if (since !== undefined) url.searchParams.set('since', since);
  if (params.maxRate !== undefined) url.searchParams.set('maxRate', String(params.maxRate));
  if (params.categories !== undefined && params.categories.length > 0) url.searchParams.set('categories', params.categories.join(','));
  for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value);
  return url.toString();
}

/** What an HTTP error status means for a subscription: 401/403 a refusal, other 4xx a stop, the rest a retry. */
export function httpOutcome(status: number, what: string, detail?: string): TransportEnd {
  const reason = detail ? `${detail} (${status})` : `${what} answered ${status}`;
  if (status === 401 || status === 403) return { retry: false, refused: true, reason };
  // A 4xx other than timeout and rate limit will answer the same next time: stop rather than retry forever.
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { retry: false, reason };
  return { retry: true, reason };
}

/** The `detail` (else the `title`) of a problem+json body, when the text is one. */
export function problemDetail(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { detail?: unknown; title?: unknown } | null;
    if (typeof body?.detail === 'string') return body.detail;
    return typeof body?.title === 'string' ? body.title : undefined;
  } catch {
    return undefined;
  }
}

/** UTF-8 length of a string without allocating: what the frame cost on the wire. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair is 2 code units and 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}
