// The writes scenario's figures (issue 18): what each server sustained under the same PATCH load, and the ratio.
import { formatRate } from '../format.js';
import type { LatencySummary } from '../loadgen/stats.js';
import type { HttpRequestSpec } from '../loadgen/http-load.js';
import type { ProfileSummary } from '../profile.js';
import type { Status } from '../results.js';

export type WriteServer = 'dish' | 'bare';

/** The dish service's requests/s over the bare handler's the issue asks for. */
export const WRITES_TARGET_RATIO = 0.7;

/** One server at one concurrency: a closed loop of `connections` keep-alive connections for the step's time. */
export interface WritesStep {
  server: WriteServer;
  connections: number;
  requests: number;
  reqPerSec: number;
  latency: LatencySummary;
  statuses: Record<string, number>;
  non2xx: number;
  errors: number;
  firstError?: string;
  /** Percent of one core over the step. */
  cpu: { server: number; redis: number; loadgen: number; serverCore: number; loadgenCore: number };
  /** CPU time per request of the server process and of redis-server (µs), from /proc. */
  serverUsPerRequest: number | null;
  redisUsPerRequest: number | null;
  /** Redis commands per request (INFO commandstats; a script's own commands are counted under their names too). */
  redisCalls: Record<string, number>;
  loadgenLimited: boolean;
  contended: boolean;
}

export interface WritesResult {
  status: Status;
  reason?: string;
  durationMs: number;
  /** Distinct dishes the PATCHes go to, in turn, on both servers. */
  dishes: number;
  steps: WritesStep[];
  /** The dish service's CPU profile under this load (`--profile` runs only). */
  profile?: ProfileSummary;
}

/** The PATCHes both servers get: each dish in turn, its stock alternating so that every write changes the dish. */
export function writeRequests(ids: readonly string[], token: string | undefined): HttpRequestSpec[] {
  const headers = token ? { Authorization: `Bearer ${token}` } : undefined;
  return [40, 41].flatMap((stock) =>
    ids.map((id) => ({ method: 'PATCH', path: `/api/dishes/${encodeURIComponent(id)}`, body: JSON.stringify({ stock }), ...(headers ? { headers } : {}) })),
  );
}

/** CPU µs per request from percent of one core over `elapsedMs`; null without requests. */
export function usPerRequest(cpuPct: number, elapsedMs: number, requests: number): number | null {
  if (requests <= 0) return null;
  return Math.round(((cpuPct / 100) * elapsedMs * 1000) / requests);
}

/** A step counts only when every request got a 2xx answer. */
export const clean = (s: WritesStep) => s.errors === 0 && s.non2xx === 0 && s.requests > 0;

/** The server's best clean step (highest req/s), or undefined. */
export function best(steps: readonly WritesStep[], server: WriteServer): WritesStep | undefined {
  return steps.filter((s) => s.server === server && clean(s)).reduce<WritesStep | undefined>((b, s) => (!b || s.reqPerSec > b.reqPerSec ? s : b), undefined);
}

export interface WritesComparison {
  dish?: WritesStep;
  bare?: WritesStep;
  ratio: number | null;
  met: boolean | null;
  /** bare CPU µs/req ÷ dish CPU µs/req at those steps: the ratio of their costs, steadier on a shared machine. */
  cpuRatio: number | null;
}

/** Best against best: each server at the concurrency where it sustained most. */
export function compareWrites(result: WritesResult | undefined): WritesComparison {
  const dish = best(result?.steps ?? [], 'dish');
  const bare = best(result?.steps ?? [], 'bare');
  const ratio = dish && bare && bare.reqPerSec > 0 ? Math.round((dish.reqPerSec / bare.reqPerSec) * 100) / 100 : null;
  const cpuRatio = dish?.serverUsPerRequest && bare?.serverUsPerRequest ? Math.round((bare.serverUsPerRequest / dish.serverUsPerRequest) * 100) / 100 : null;
  return { ...(dish ? { dish } : {}), ...(bare ? { bare } : {}), ratio, met: ratio === null ? null : ratio >= WRITES_TARGET_RATIO, cpuRatio };
}

/** The summary's line: dish / bare at each one's best clean step. */
export function writesSummaryLine(w: WritesResult | undefined): { value: string; ratio: number | null; met: boolean | null } {
  const c = compareWrites(w);
  const at = (s: WritesStep | undefined) => (s ? `${formatRate(s.reqPerSec)} req/s p99 ${s.latency.p99} ms` : '—');
  const perCpu = c.cpuRatio === null ? '' : `; per CPU-second ${c.cpuRatio}×`;
  return { value: `${c.ratio === null ? '—' : `${c.ratio}×`} (dish ${at(c.dish)}; bare ${at(c.bare)}${perCpu})`, ratio: c.ratio, met: c.met };
}

/** What makes a run fail: errors, non-2xx answers or a crash (a low ratio is reported, not a failure). */
export function writesFailures(result: WritesResult | undefined): string[] {
  if (!result) return [];
  const out: string[] = [];
  if (result.status === 'crashed' || result.status === 'failed') out.push(`writes: ${result.status}: ${result.reason?.split('\n')[0] ?? ''}`);
  for (const s of result.steps) {
    if (!clean(s)) out.push(`writes ${s.server} @${s.connections}: ${s.errors} errors, ${s.non2xx} non-2xx${s.firstError ? ` (${s.firstError})` : ''}`);
  }
  return out;
}
