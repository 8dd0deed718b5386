// gzip for text answers, as nginx's gzip module gives them in compose: by type, by size, when the client accepts it.
import type { IncomingMessage } from 'node:http';
import { createGzip, type Gzip } from 'node:zlib';

/** The same list as gzip_types in deploy/nginx/nginx.conf, plus text/html, which nginx always compresses. Never text/event-stream. */
const COMPRESSIBLE = new Set([
  'text/html',
  'text/css',
  'text/plain',
  'text/javascript',
  'application/javascript',
  'application/json',
  'application/problem+json',
  'application/manifest+json',
  'image/svg+xml',
]);

/** nginx's gzip_min_length: below this the gzip header costs more than it saves. */
const MIN_LENGTH = 1024;

export function isCompressible(contentType: string | undefined): boolean {
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return type !== undefined && COMPRESSIBLE.has(type);
}

/** True when Accept-Encoding names gzip without q=0. */
export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * A gzip stream when this answer should be compressed, else undefined. `length` is the body's size when known;
 * an answer already encoded by its upstream is left as it is.
 */
export function gzipFor(req: IncomingMessage, contentType: string | undefined, length: number | undefined, encoded: boolean): Gzip | undefined {
  if (encoded || req.method === 'HEAD' || !isCompressible(contentType)) return undefined;
  if (length !== undefined && length < MIN_LENGTH) return undefined;
  return acceptsGzip(req) ? createGzip() : undefined;
}
