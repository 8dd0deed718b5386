// A node:http server for a request handler (an express app): listen, its URL, and a stop that drains then cuts.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  port: number;
  url: string;
}

/** Resolves once bound (port 0 picks a free one), rejects when the address is taken. */
export function listen(handler: RequestListener, port: number, host: string): Promise<Listening> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      resolve({ server, port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` });
    });
  });
}

/** No new connections, idle keep-alives closed now, busy ones given `graceMs` before they are cut. */
export function closeServer(server: Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
