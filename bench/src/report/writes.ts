// The writes scenario's report: each server's steps side by side, the best of each and their ratio (issue 18).
import { formatRate } from '../format.js';
import { clean, WRITES_TARGET_RATIO, writesSummaryLine, type WritesResult, type WritesStep } from '../scenarios/writes-figures.js';
import { renderMarkdown, type Table } from './table.js';

const us = (v: number | null) => (v === null ? '—' : `${v}`);

const calls = (s: WritesStep) =>
  Object.entries(s.redisCalls).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c} ${n}`).join(', ') || '—';

const notes = (s: WritesStep) =>
  [
    clean(s) ? '' : `${s.errors} errors, ${s.non2xx} non-2xx`,
    s.loadgenLimited ? 'loadgen-limited' : '',
    s.contended ? 'server core contended' : '',
  ].filter(Boolean).join(', ');

/** One row per server and concurrency, in the order measured. */
export function writesTable(w: WritesResult): Table {
  return {
    head: ['server', 'connections', 'req/s', 'p50 / p99 ms', 'errors / non-2xx', 'server CPU µs/req', 'Redis CPU µs/req', 'Redis calls/req', 'notes'],
    rows: w.steps.map((s) => [
      s.server, String(s.connections), formatRate(s.reqPerSec), `${s.latency.p50} / ${s.latency.p99}`, `${s.errors} / ${s.non2xx}`,
      us(s.serverUsPerRequest), us(s.redisUsPerRequest), calls(s), notes(s),
    ]),
  };
}

export function writesSection(w: WritesResult | undefined): string {
  if (!w) return '_Not run._';
  if (w.status !== 'ok' && w.steps.length === 0) return `_${w.status}: ${(w.reason ?? '').split('\n')[0]}_`;
  const failed = w.status === 'ok' ? '' : `\n\n**${w.status}**: ${(w.reason ?? '').split('\n')[0]}`;
  const line = writesSummaryLine(w);
  const profile = w.profile
    ? `\n\nThe dish service's CPU profile under this load (self time, top frames): ${w.profile.top.slice(0, 8).map((e) => `${e.name} ${e.selfPct}%`).join(', ')}.`
    : '';
  return `\`PATCH /api/dishes/:id\` with a JSON body (\`{"stock":n}\`, n alternating so every write changes the dish), the ${w.dishes} seeded dishes in turn, through the built dish service as deployed — bearer write token, zod validation, the write rate limit (kept on, at its highest setting, 100,000 writes/s per token and per address, so its Redis call is counted but never refuses), the Lua write with its event stream, history checkpoints and publish — against **bare-writes** (\`bench/peers/bare-writes.ts\`): express 5 + ioredis doing one \`MULTI\` of \`HSET\` + \`XADD\` (stream capped as the broker's) + \`SPUBLISH\` (the broker's channel kind) per request, with no token, validation, limit or version check. Each alone on the server's core in turn, the same requests from the load generator's core over a closed loop of keep-alive connections (raw sockets, the next request as soon as the answer is read), ${w.durationMs / 1000} s per step after a warm-up, the same Redis. **CPU µs/req** is each process's utime + stime over the step divided by its requests (Redis: redis-server's own); **Redis calls/req** is \`INFO commandstats\` (a script's own commands are counted under their names too). Best clean step against best clean step: **${line.value}**; target ≥ ${WRITES_TARGET_RATIO}×.${failed}${profile}

${renderMarkdown(writesTable(w))}`;
}
