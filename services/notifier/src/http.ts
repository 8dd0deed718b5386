// The notifier's HTTP surface: /healthz, /readyz (Redis reachable and every restaurant with webhooks followed) and
// /metrics, with the headers every service's answers carry; anything else is a problem+json 404 or 405.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { healthAnswer, HttpProblem, readyAnswer, SECURITY_HEADERS, sendProblem, type Logger, type ProbeAnswer } from '@dish-live/server';

export interface HttpDeps {
  instance: string;
  /** Redis answers and the follower knows its place in every log it follows. */
  ready(): { ready: boolean; details: Record<string, unknown> };
  registry: Registry;
  logger: Logger;
}

export function createHttpHandler(deps: HttpDeps): RequestListener {
  const routes: Record<string, (res: ServerResponse) => Promise<void> | void> = {
    '/healthz': (res) => probe(res, healthAnswer(deps.instance)),
    '/readyz': (res) => {
      const { ready, details } = deps.ready();
      probe(res, readyAnswer(ready, { instance: deps.instance, ...details }));
    },
    '/metrics': async (res) => {
      const text = await deps.registry.metrics();
      res.writeHead(200, { 'Content-Type': deps.registry.contentType, 'Content-Length': Buffer.byteLength(text) }).end(text);
    },
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    if (!route) return sendProblem(res, new HttpProblem(404, 'route-not-found', 'Not found', `no route for ${req.method} ${path.slice(0, 200)}`));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${path} answers GET only`), { Allow: 'GET, HEAD' });
    }
    Promise.resolve(route(res)).catch((err: Error) => {
      deps.logger.error({ err: err.message, path }, 'request failed');
      if (!res.headersSent) sendProblem(res, new HttpProblem(500, 'internal', 'Internal server error', 'internal error'));
      else res.end();
    });
  };
}

function probe(res: ServerResponse, { status, headers, body }: ProbeAnswer): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}
