// The churn scenario's report: each server's reconnect storm beside its raw ceiling's, and the summary lines.
import { formatRate } from '../format.js';
import type { ChurnResult, RunResult } from '../results.js';
import { notBack } from '../scenarios/churn-figures.js';
import { SERVERS, type ServerName } from '../servers.js';
import { renderMarkdown, type Table } from './table.js';

/** Each Dish Live gateway and the raw server it is shown beside. */
export const CHURN_PAIRS: [ServerName, ServerName][] = [
  ['ws-gateway', 'uws-raw'],
  ['sse-gateway', 'http-sse-raw'],
];

const ms = (l: { p50: number; p99: number; max: number }) => `${l.p50} / ${l.p99} / ${l.max}`;

function row(r: ChurnResult): string[] {
  const c = r.reconnect;
  const dishLive = SERVERS[r.server].dishLive;
  const note = [notBack(r), r.status === 'ok' ? '' : `${r.status}: ${(r.reason ?? '').split('\n')[0]}`].filter(Boolean).join('; ');
  if (!c) return [r.server, String(r.clients), '—', '—', '—', '—', '—', '—', '—', '—', note];
  const first = Object.entries(c.firstTypes).map(([type, n]) => `${type} ${n}`).join(', ') || '—';
  return [
    r.server, `${c.opened} / ${r.clients}`, formatRate(c.connectsPerSec), String(c.openSpanMs), c.listenOverflows === undefined ? '—' : String(c.listenOverflows), ms(c.open),
    dishLive ? `${ms(c.first)} (all in ${c.firstSpanMs})` : '—', dishLive ? first : '—',
    dishLive ? `${r.lost} / ${r.reordered} / ${r.undelivered}` : '—',
    r.cpu ? `${r.cpu.serverUsPerClient} (${r.cpu.loadgenCorePct}%${r.cpu.loadgenLimited ? ' ⚠ loadgen-limited' : ''})` : '—',
    [String(r.restartMs), note].filter(Boolean).join('; '),
  ];
}

/** One row per server, in the order measured. */
export function churnTable(results: readonly ChurnResult[]): Table {
  return {
    head: [
      'server', 'back / clients', 'connects/s', 'first attempt → last open ms', 'accept queue overflows', 'open p50 / p99 / max ms', 'resumed p50 / p99 / max ms',
      'first message', 'lost / dup-or-reordered / owed', 'server CPU µs per client (loadgen core)', 'restart ms (not counted)',
    ],
    rows: results.map(row),
  };
}

/** Summary rows: each gateway's storm, with its raw ceiling's beside it when both ran. */
export function churnSummaryRows(results: readonly ChurnResult[] | undefined): string[][] {
  const find = (name: ServerName) => results?.find((r) => r.server === name && r.reconnect);
  return CHURN_PAIRS.flatMap(([gateway, raw]) => {
    const g = find(gateway);
    if (!g?.reconnect) return [];
    const r = find(raw)?.reconnect;
    const beside = r ? ` (${raw}: ${formatRate(r.connectsPerSec)}/s, open p99 ${r.open.p99} ms)` : '';
    return [[
      `${gateway}: ${g.clients} clients reconnecting at once after a SIGKILL`,
      `${formatRate(g.reconnect.connectsPerSec)} connects/s, resumed p50 ${g.reconnect.first.p50} / p99 ${g.reconnect.first.p99} ms${beside}`,
      'every client back and resumed, every event once, in order',
      g.status === 'ok' && !notBack(g) ? 'yes' : 'no',
    ]];
  });
}

export function churnSection(run: RunResult): string {
  const results = run.churn ?? [];
  if (results.length === 0) return '_Not run._';
  const o = (run.options as { churn?: { rate: number; phaseMs: number } }).churn;
  const events = results.find((r) => SERVERS[r.server].dishLive)?.events;
  return `Each server in turn, fed through the broker as in the fan-out, with ${results[0]!.clients} clients (raw sockets in the load generator's process${(run.options as { workers?: number }).workers === 1 ? '' : 'es'}, each holding the id of the last event it saw). A gateway's client is held once its snapshot arrived. Events are written (${o?.rate ?? '?'}/s for ${(o?.phaseMs ?? 0) / 1000} s${events ? `: ${events.before}` : ''}) until every client has the last one; then the server is **SIGKILLed**, the bench waits until every client saw its connection end, writes events while it is down${events ? ` (${events.down})` : ''}, and starts the same server again **on the same port**. Once the new process answers (\`/readyz\`; the peers' ready line), every client reconnects **at once** — one loop of connects in each load generator process — a gateway's with its last id (WebSocket \`?since=\`, SSE \`Last-Event-ID\`). The restart itself is not counted in any figure: each client's times run from its own reconnect attempt, after the new process listens. **connects/s** is the clients that opened over the time from the first attempt to the last open; **open** is a client's attempt to its upgrade answer (WS \`101\`, SSE \`200\` response head); **resumed** is a client's attempt to its first message, which must be \`resumed\` (the gateway's ring is empty after the restart, so the missed events come from the Redis stream), followed by the missed events. A client not open within 60 s of its attempt counts as not back (with the reason: \`connect timeout\`, or the socket's error, such as \`read ECONNRESET\`); the bench's clients do not retry, where a real one would after its jittered backoff, so clients not back are a capacity figure and fail nothing, while a client that came back without \`resumed\`, or missing, repeating or reordering an event, fails the run. Then events are written again${events ? ` (${events.after})` : ''} and every gateway client must end with every event exactly once, in order (the bench dish's version checked per client: a gap is lost, a repeat or step back is counted as duplicated or reordered). The raw servers have no resume: their figures are the accept alone. **Server CPU per client** is the new process's utime + stime over the storm (first attempt until every client is back) over the clients taken back: on a shared machine it moves far less than the clock times. The load generator's core busy share is beside it; past 90 % (⚠) the times are the load generator's as much as the server's. A storm this size also meets the kernel's accept queue (the server's \`listen\` backlog, at most \`somaxconn\`): a connect that finds it full is dropped and gets in on a SYN retransmit (1, 3, 7 … s after its attempt), which shows as steps in the open times. **Accept queue overflows** counts those drops over the storm (TcpExt \`ListenOverflows\` from \`/proc/net/netstat\`: machine-wide, so a neighbour's would count too).

${renderMarkdown(churnTable(results))}`;
}
