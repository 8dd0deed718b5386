// HTTP/1.1 keep-alive load: a fixed number of connections, each sending its next GET as soon as the answer is read.
import { Agent, request } from 'node:http';
import { LatencyHistogram, type HistogramData } from './stats.js';

export interface HttpLoadResult {
  /** Answers read in full, whatever their status. */
  requests: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  non2xx: number;
  /** Requests that got no answer (refused, reset, timed out). */
  errors: number;
  firstError?: string;
  /** Body bytes read. */
  bytes: number;
  /** From the first request to the last answer. */
  elapsedMs: number;
  latency: HistogramData;
}

/** An error that repeats at once (connection refused) must not spin a core: a failed lane waits this long. */
const ERROR_PAUSE_MS = 10;
const REQUEST_TIMEOUT_MS = 30_000;

/** One agent per port, kept between runs, so a warm-up's connections are the ones the measured run uses. */
const agents = new Map<number, Agent>();

function agentFor(port: number, connections: number): Agent {
  let agent = agents.get(port);
  if (!agent || agent.maxSockets < connections) {
    agent?.destroy();
    agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
    agents.set(port, agent);
  }
  return agent;
}

export function closeHttpAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** GETs `path` on 127.0.0.1:`port` over `connections` keep-alive connections for `durationMs`. */
export async function httpLoad(port: number, path: string, connections: number, durationMs: number): Promise<HttpLoadResult> {
  const agent = agentFor(port, connections);
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
  const one = () =>
    new Promise<boolean>((resolve) => {
      const t0 = performance.now();
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        errors++;
        firstError ??= err.message;
        resolve(false);
      };
      const req = request({ host: '127.0.0.1', port, path, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.once('error', fail);
        res.once('end', () => {
          if (settled) return;
          settled = true;
          lastAnswerAt = performance.now();
          latency.record(lastAnswerAt - t0);
          requests++;
          const status = res.statusCode ?? 0;
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status < 200 || status > 299) non2xx++;
          resolve(true);
        });
      });
      req.once('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.once('error', fail);
      req.end();
    });
  const lane = async () => {
    while (performance.now() < deadline) {
      if (!(await one())) await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS));
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
