// Plain HTTP for the tests: node:http requests with exact headers (fetch would add Accept-Encoding and decompress), raw
// targets (fetch would re-encode a malformed path) and a chosen loopback source address; and status probes that count 5xx.
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Source address of the connection, e.g. 127.0.0.2: another client as far as the server can tell. */
  localAddress?: string;
}

export function httpRequest(port: number, target: string, options: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Status of GET `path` on 127.0.0.1:`port`; a 5xx other than `allowed` is counted in `counter.fiveXx`. */
export async function probe(port: number, path: string, counter?: { fiveXx: number }, allowed: number[] = []): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  if (counter && res.status >= 500 && !allowed.includes(res.status)) counter.fiveXx++;
  return res.status;
}
