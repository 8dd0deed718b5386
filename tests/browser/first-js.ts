// The JavaScript a page needs before it can run: the entry script of web/dist/index.html and what it preloads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface FirstJs {
  files: { path: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
}

export function firstJs(distDir: string): FirstJs {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
  const preloads = [...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
  if (scripts.length === 0) throw new Error(`no module script in ${distDir}/index.html`);
  const files = [...new Set([...scripts, ...preloads])].map((path) => {
    const body = readFileSync(join(distDir, path));
    return { path, bytes: body.length, gzipBytes: gzipSync(body).length };
  });
  return { files, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}
