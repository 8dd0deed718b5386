// The dashboard's files: which request path names which file under web/dist, its type and how long it may be cached.
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

export interface StaticFile {
  path: string;
  size: number;
  contentType: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** A path the server refuses (400) before looking at the disk; the message says why. */
export class BadPath extends Error {}

/**
 * The decoded path of a request target. A malformed percent-encoding or a NUL byte is a 400: decodeURIComponent
 * throws on the former, and the latter would cut the file name short at the system call.
 */
export function requestPath(target: string): string {
  const raw = target.split('?', 1)[0] ?? '/';
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw new BadPath('malformed percent-encoding in the path');
  }
  if (path.includes('\0')) throw new BadPath('NUL byte in the path');
  if (!path.startsWith('/')) throw new BadPath('the path must start with /');
  return path;
}

/**
 * The file a path names, or undefined. `/` is the page; Vite's hashed bundle under /assets/ is cached for a year,
 * everything else is revalidated. There is no fallback to the page: the dashboard has no routes of its own
 * (a restaurant is a query parameter), so any other path that is not a file is a 404.
 */
export async function findStaticFile(webRoot: string, path: string): Promise<StaticFile | undefined> {
  const root = resolve(webRoot);
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  // `..` segments cannot climb out of the root: resolve() has already applied them.
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return {
    path: file,
    size: info.size,
    contentType: TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    cacheControl: path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}
