// Proxying to the services, as nginx does in compose: HTTP (the API, SSE) and the raw WebSocket upgrade, with the
// client address taken from the connection. Whatever forwarding headers the client sent are dropped, never passed on:
// the services trust this proxy's X-Forwarded-For (TRUST_PROXY), so a made-up one would pick the client's rate-limit bucket.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { gzipFor } from './compression.js';

export interface Upstream {
  host: string;
  port: number;
}

/** Set by the proxy alone. */
const FORWARDING = new Set(['x-forwarded-for', 'x-real-ip', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);
/** Hop-by-hop: about one connection, not the message (RFC 9110 §7.6.1); node sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'proxy-connection', 'upgrade']);

/** The peer's address as nginx's $remote_addr writes it: an IPv4 client of a dual-stack socket without its ::ffff: prefix. */
export function clientAddress(req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress;
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function forwardedHeaders(client: string): Record<string, string> {
  return { 'x-forwarded-for': client, 'x-real-ip': client, 'x-forwarded-proto': 'http' };
}

function requestHeaders(headers: IncomingHttpHeaders, client: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!FORWARDING.has(name) && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return { ...out, ...forwardedHeaders(client) };
}

function badGateway(res: ServerResponse, to: Upstream): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(502, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: `upstream ${to.host}:${to.port} is not answering` }));
}

/**
 * One HTTP request to `to`. `stream` marks an event stream (/sse): never compressed, each chunk passed on as it
 * comes. Other answers are gzipped like nginx's (JSON from the API) when the client accepts it.
 */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, to: Upstream, stream: boolean): void {
  const client = clientAddress(req);
  if (client === undefined) {
    res.destroy();
    return;
  }
  const upstream = request({ host: to.host, port: to.port, method: req.method, path: req.url, headers: requestHeaders(req.headers, client) }, (up) => {
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const length = up.headers['content-length'] === undefined ? undefined : Number(up.headers['content-length']);
    const gzip = stream ? undefined : gzipFor(req, up.headers['content-type'], length, up.headers['content-encoding'] !== undefined);
    if (gzip) {
      delete headers['content-length'];
      headers['content-encoding'] = 'gzip';
      headers.vary = up.headers.vary ? `${up.headers.vary}, Accept-Encoding` : 'Accept-Encoding';
    }
    res.writeHead(up.statusCode ?? 502, headers);
    if (gzip) pipeline(up, gzip, res, () => {});
    else pipeline(up, res, () => {});
  });
  upstream.on('error', () => badGateway(res, to));
  // A client gone mid-answer (an SSE tab closed) ends the upstream request too.
  res.on('close', () => upstream.destroy());
  pipeline(req, upstream, () => {});
}

/** A WebSocket upgrade piped as raw TCP to `to`: the request head rewritten with our forwarding headers, then bytes both ways. */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, to: Upstream): void {
  const client = clientAddress(req);
  if (client === undefined) {
    socket.destroy();
    return;
  }
  let connected = false;
  const up = connect(to.port, to.host, () => {
    connected = true;
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (!FORWARDING.has(name.toLowerCase())) lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    for (const [name, value] of Object.entries(forwardedHeaders(client))) lines.push(`${name}: ${value}`);
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) up.write(head);
    socket.pipe(up).pipe(socket);
  });
  up.on('error', () => {
    if (connected) socket.destroy();
    else socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  socket.on('error', () => up.destroy());
  socket.on('close', () => up.destroy());
}
