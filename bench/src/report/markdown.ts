// docs/BENCHMARKS.md and its SVG charts, regenerated from a run's results (bench/results/latest.json).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRate } from '../format.js';
import type { RunResult } from '../results.js';
import { SERVERS } from '../servers.js';
import { READS_TARGET, readsTable } from './reads.js';
import { churnSection } from './churn.js';
import { clusterSection } from './cluster.js';
import { memoryCounts, memoryMethod, memoryTable } from './memory.js';
import { carriedNote } from './carry-over.js';
import { restaurantsSection } from './restaurants.js';
import { writesSection } from './writes.js';
import { ceilingSection, costSection } from './cost.js';
import { REFERENCE_DELIVERIES, referenceSteps } from './summary.js';
import { barChart, lineChart } from './svg.js';
import { fanoutTable, renderMarkdown, summaryTable, type Table } from './table.js';

const CHART_DIR = 'benchmarks';

/** The charts, by file name under docs/benchmarks/. */
export function charts(run: RunResult): Record<string, string> {
  const withSteps = run.fanout.filter((f) => f.steps.length > 0);
  const out: Record<string, string> = {};
  if (withSteps.length === 0) return { ...memoryChart(run) };
  Object.assign(out, {
    'throughput.svg': lineChart({
      title: `Fan-out: deliveries/s vs publish rate (${run.fanout[0]?.clients ?? 0} clients)`,
      xLabel: 'publish rate (events/s)',
      yLabel: 'deliveries/s',
      logX: true,
      series: withSteps.map((f) => ({ name: f.server, points: f.steps.map((s) => [s.rate, s.deliveriesPerSec]) })),
    }),
    'latency-p99.svg': lineChart({
      title: 'Fan-out: p99 latency vs publish rate',
      xLabel: 'publish rate (events/s)',
      yLabel: 'p99 latency (ms, log)',
      logX: true,
      logY: true,
      series: withSteps.map((f) => ({ name: f.server, points: f.steps.map((s) => [s.rate, Math.max(s.latency.p99, 0.01)]) })),
    }),
  });
  const reference = referenceRate(run);
  if (reference !== undefined) {
    const at = withSteps.map((f) => f.steps.find((s) => s.rate === reference));
    out['latency-percentiles.svg'] = barChart({
      title: `Latency percentiles at ${reference} events/s`,
      yLabel: 'ms',
      categories: withSteps.map((f) => f.server),
      series: (['p50', 'p99', 'max'] as const).map((p) => ({ name: p, values: at.map((s) => s?.latency[p] ?? null) })),
    });
  }
  return { ...out, ...memoryChart(run) };
}

function memoryChart(run: RunResult): Record<string, string> {
  const measured = run.memory.filter((m) => m.bytesPerConn !== null);
  if (!measured.length) return {};
  const counts = [...new Set(measured.flatMap((m) => memoryCounts(m).map((c) => c.requested)))].sort((a, b) => a - b);
  return {
    'bytes-per-connection.svg': barChart({
      title: 'RSS per idle connection, after a full GC',
      yLabel: 'bytes',
      categories: measured.map((m) => m.server),
      series: counts.map((n) => ({
        name: `${n.toLocaleString('en-US')} connections`,
        values: measured.map((m) => memoryCounts(m).find((c) => c.requested === n)?.bytesPerConn ?? null),
      })),
    }),
  };
}

/** The rate nearest 200k deliveries/s that most servers ran: the latency comparison point. */
function referenceRate(run: RunResult): number | undefined {
  const steps = referenceSteps(run.fanout.find((f) => f.server === 'ws-gateway'), run.fanout.find((f) => f.server === 'uws-raw'));
  if (steps) return steps[0].rate;
  const rates = run.fanout.flatMap((f) => f.steps.map((s) => ({ rate: s.rate, deliveries: s.rate * s.clients })));
  rates.sort((a, b) => Math.abs(Math.log(a.deliveries / REFERENCE_DELIVERIES)) - Math.abs(Math.log(b.deliveries / REFERENCE_DELIVERIES)));
  return rates[0]?.rate;
}

function stepsTable(run: RunResult): Table {
  return {
    head: ['server', 'ev/s', 'published', 'clients', 'deliveries/s', 'p50', 'p99', 'max', 'lost', 'reord.', 'server CPU (sys)', 'server core', 'loadgen core', 'redis / publisher CPU', 'server RSS', 'verdict'],
    rows: run.fanout.flatMap((f) =>
      f.steps.map((s) => [
        f.server, String(s.rate), String(s.publishedRate), String(s.clients), formatRate(s.deliveriesPerSec),
        String(s.latency.p50), String(s.latency.p99), String(s.latency.max), String(s.lost), String(s.reordered),
        `${s.cpu.server}%${s.cpu.serverSys !== undefined ? ` (${s.cpu.serverSys}%)` : ''}`, `${s.cpu.serverCore}%${s.contended ? ' ⚠' : ''}`, `${s.cpu.loadgenCore}%${s.loadgenLimited ? ' ⚠' : ''}`, `${s.cpu.redis}% / ${s.cpu.publisher}%`,
        `${(s.serverRssBytes / 1048576).toFixed(0)} MB`, s.repeatOf ? `${s.verdict} (repeat; first: ${s.repeatOf})` : s.verdict,
      ]),
    ),
  };
}

function e2eSection(run: RunResult): string {
  const e = run.e2e;
  if (!e) return '_Not run._';
  if (e.status !== 'ok' && Object.keys(e.transports).length === 0) return `_${e.status}: ${(e.reason ?? '').split('\n')[0]}_`;
  const table: Table = {
    head: ['transport', 'clients', 'events delivered', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'reordered'],
    rows: Object.entries(e.transports).map(([name, t]) => [
      name === 'poll' ? `polling (every ${e.pollIntervalMs} ms)` : name, String(t.clients), String(t.delivered),
      String(t.latency.p50), String(t.latency.p99), String(t.latency.max), String(t.lost), String(t.reordered),
    ]),
  };
  return [
    `${e.rate} PATCH/s for ${e.durationMs / 1000} s (${e.published} events); PATCH round trip p50 ${e.patchRtt?.p50 ?? '—'} ms, ` +
      `p99 ${e.patchRtt?.p99 ?? '—'} ms; dish service + both gateways used ${e.serverCpu ?? '—'}% of a core.`,
    '',
    renderMarkdown(table),
  ].join('\n');
}

function slowTable(run: RunResult): Table {
  return {
    head: ['server', 'healthy p99 before → with stalled', 'healthy deliveries/s before → with', 'healthy: gaps / still owed after catch-up', 'stalled clients', 'unread per stalled client', 'after reading again: closed / conflated / lost / still behind', 'server RSS start → peak → end'],
    rows: run.slow.map((r) => {
      if (!r.baseline || !r.withSlow) return [r.server, `${r.status}: ${(r.reason ?? '').split('\n')[0]}`, '', '', '', '', '', ''];
      const mb = (b: number) => `${(b / 1048576).toFixed(0)}`;
      return [
        r.server,
        `${r.baseline.latency.p99} → ${r.withSlow.latency.p99} ms`,
        `${formatRate(r.baseline.deliveriesPerSec)} → ${formatRate(r.withSlow.deliveriesPerSec)}`,
        `${r.baseline.lost + r.withSlow.lost} / ${r.undelivered}`,
        String(r.slowClients),
        `${((r.slow?.unreadBytesPerClient ?? 0) / 1048576).toFixed(1)} MB`,
        r.slow
          ? `${r.slow.ended}${Object.keys(r.slow.endReasons).length ? ` (${Object.keys(r.slow.endReasons).join(', ')})` : ''} / ${r.slow.conflated} / ${r.slow.lost} / ${r.slow.stillBehind}`
          : '—',
        r.rss ? `${mb(r.rss.startBytes)} → ${mb(r.rss.peakBytes)} → ${mb(r.rss.endBytes)} MB` : '—',
      ];
    }),
  };
}

function readsSection(run: RunResult): string {
  const r = run.reads;
  if (!r) return '_Not run._';
  if (r.status !== 'ok' && r.steps.length === 0) return `_${r.status}: ${(r.reason ?? '').split('\n')[0]}_`;
  const failed = r.status === 'ok' ? '' : `\n\n**${r.status}**: ${(r.reason ?? '').split('\n')[0]}`;
  return `The built dish service (\`node services/dish/dist/main.js\`, simulator off) against **reads-bare** (\`bench/peers/reads-bare.ts\`): express 5 + ioredis answering each route with one \`GET\` of a key that holds the exact body the dish service gave for that request, sent with \`res.type('application/json').send(body)\` — the least a read can cost on the same stack. Both pinned to the server's core in turn; ${r.connections} HTTP/1.1 keep-alive connections from the load generator's core (raw sockets, each sending its next request when the answer is read; \`node:http\`'s client cost about what the bare server spends per request and, sharing its core with Redis, capped the baseline), ${r.durationMs / 1000} s per step after a warm-up. The log holds the seeded menu and ${r.events.toLocaleString('en-US')} price changes; polling asks from the event ${r.sinceBack} before the newest; the sales read asks for the last hour. Each route is measured with no sales history and with ${r.histories.at(-1)?.toLocaleString('en-US') ?? '?'} sales buckets (24 h of 10 s buckets written in the broker's layout). **Redis calls/req** is Redis's own count (\`INFO commandstats\` before and after the step, divided by the requests; the commands a Lua script runs count one by one): a read whose work grows with the service's uptime shows it here. **Per CPU-second** divides each server's requests by its own CPU time (utime + stime): the ratio of their costs per request, steadier than req/s when the machine is shared and a server does not get its whole core. Target: the dish service at ≥ ${READS_TARGET}× the bare handler's req/s on every route, at both histories.${failed}

${renderMarkdown(readsTable(r))}`;
}

/** A loud line when the machine was busy: latency-bound figures then say more about the neighbours than the servers. */
function busyWarning(run: RunResult): string {
  const m = run.machine as { cpus?: number; loadAverage?: number[]; loadAverageAtEnd?: number[] };
  const cpus = m.cpus ?? 1;
  const worst = Math.max(m.loadAverage?.[0] ?? 0, m.loadAverage?.[1] ?? 0, m.loadAverageAtEnd?.[0] ?? 0);
  const contended = run.summary.contendedSteps;
  if (worst <= cpus * 0.5 && contended === 0) return '';
  return `\n> ⚠ **This run shared its machine** (load average up to ${worst} on ${cpus} cores; ${contended} contended steps). Latency-bound figures (p99, max sustained, the ratios built on them) measure the neighbours as much as the servers; loss, order and memory figures still hold.\n`;
}

export function renderBenchmarks(run: RunResult, chartFiles: string[]): string {
  const o = run.options as { fanout?: { clients: number; rates: number[]; stepMs: number; p99LimitMs: number } };
  const m = run.machine as { cpuModel?: string; cpus?: number; memoryGb?: number; kernel?: string; loadAverage?: number[]; limits?: { nofile: number } };
  const chart = (file: string, alt: string) => (chartFiles.includes(file) ? `![${alt}](${CHART_DIR}/${file})\n` : '');
  return `# Benchmarks

<!-- Generated by \`npm run bench\` (bench/src/report/markdown.ts) from bench/results/latest.json. Do not edit by hand. -->

Run of ${run.startedAt}${run.quick ? ' — **quick mode** (short CI run: fewer clients and connections, shorter steps; figures are indicative only)' : ''}.${carriedNote(run) ? ` ${carriedNote(run)}` : ''}

## Method

* One private \`redis-server\`; each server under test started alone, as its own process pinned to core ${
    (run.options as { serverCore?: number }).serverCore ?? 0
  } (\`taskset\`); the load generator in separate process(es) pinned to core ${(run.options as { loadgenCore?: number }).loadgenCore ?? 1}, with Redis and the orchestrator (which runs the publisher)${(run.machine as { pinned?: boolean }).pinned ? '' : ' — not pinned in this run: taskset failed'}. The server's core is the server's alone; the top steps are bounded by the rate grid and by the load generator's core, so ratios between servers that all sustain the top step are ≈ 1× by construction.
* Dish Live: the built \`services/ws-gateway\` and \`services/sse-gateway\` (\`node services/*/dist/main.js\`). Every server, the peers too, is fed by the project's broker: each event is an \`EventLog.updateDish\` call (the Lua script: dish hash, stream, SPUBLISH of the ~250-byte envelope on the restaurant's sharded channel), and the peers subscribe to that channel (SSUBSCRIBE) as the gateways do. So every server gets the same bytes, and Redis and the publisher do the same work on the load generator's core in every run (a plain PUBLISH for the peers, as first built, left the limiting load generator ~9 points more CPU in their runs).
* Peers (\`bench/peers/\`): ${Object.values(SERVERS).filter((s) => !s.dishLive).map((s) => `**${s.name}** — ${s.description}`).join('; ')}.
* Dish Live's gateways run with their defaults, among them \`COALESCE_MS=10\`: under load each client gets one write per 10 ms carrying every event of the window (after a quiet spell an event goes out on the next turn), and the SSE gateway frames a group's bytes as one HTTP chunk once and writes that buffer to every member's socket. The raw ceilings write each message to each client as it arrives, as their names say; on loopback every write costs the sender the receiver's TCP work too, so the number of writes is most of a server's cost (see the \`sys\` share in the steps, and [PROFILES.md](PROFILES.md) from \`npm run bench -- --profile\`).
* Load generator (\`bench/src/loadgen/\`, its raw connections from the test kit \`tests/support\`): raw \`net\` sockets reading into one shared buffer (no allocation per read) with a minimal WebSocket handshake and frame parser, chunked decoding and a minimal SSE parser, and engine.io v4 framing for Socket.IO. It counts every message, checks each client's sequence (the bench dish's \`version\`, one per event) for loss and reordering, and measures latency from the event's \`ts\` (Redis time at publish) to the arrival of the chunk that carried it.
* Fan-out: ${o.fanout?.clients ?? '?'} clients, publish rate stepped through ${o.fanout?.rates.join(', ') ?? '?'} events/s, ${(o.fanout?.stepMs ?? 0) / 1000} s per step, then a drain. A step is *sustained* when nothing was lost, reordered or conflated, p99 ≤ ${o.fanout?.p99LimitMs ?? 100} ms and ≥ 95% of the expected deliveries arrived; stepping stops at the first step that is not (a step that failed on p99 alone is repeated once, and the repeat counts). **Max sustained** is the best sustained step; a server that lost or reordered anything gets none. It is only known to the grid's resolution: the true figure lies between a server's last sustained step and the next one, so a ratio against a server that stopped early is an upper bound, and **peak deliveries/s** (the best step without loss, whatever its latency) bounds it from the other side.
* CPU: utime+stime of each process from \`/proc/<pid>/stat\` (100% = one core; the kernel's part, stime, as \`sys\`) and each core's busy share from \`/proc/stat\`. A step whose load generator core was > 90% busy is **loadgen-limited** (⚠): the figure is a floor for the server, not its ceiling. The machine may be shared, so core figures include other work: a step where the server's core was > 25 points busier than the server itself is flagged **contended** (⚠), its latency is not the server's own. **Peak deliveries/s** is the best step without loss whatever its latency.
${memoryMethod(run)}

Machine: ${m.cpuModel ?? '?'} × ${m.cpus ?? '?'} cores, ${m.memoryGb ?? '?'} GB, Linux ${m.kernel ?? '?'}, load average at start ${m.loadAverage?.join(' ') ?? '?'} and at end ${(run.machine as { loadAverageAtEnd?: number[] }).loadAverageAtEnd?.join(' ') ?? '?'}, fd limit ${m.limits?.nofile ?? '?'}. Versions: ${Object.entries(run.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.

## Summary
${busyWarning(run)}
${renderMarkdown(summaryTable(run))}

## Fan-out

${
    run.fanout.length
      ? `${renderMarkdown(fanoutTable(run))}

${chart('throughput.svg', 'deliveries/s vs publish rate')}
${chart('latency-p99.svg', 'p99 latency vs publish rate')}
${chart('latency-percentiles.svg', 'latency percentiles')}
<details><summary>Every step</summary>

${renderMarkdown(stepsTable(run))}

</details>`
      : '_Not run._'
  }

## Memory per idle connection

${run.memory.length ? `${renderMarkdown(memoryTable(run))}

${chart('bytes-per-connection.svg', 'RSS per idle connection')}` : '_Not run._'}

## End to end (PATCH → dish → Redis → gateway → client)

${e2eSection(run)}

## Slow consumers (${Math.round(((run.options as { slow?: { fraction: number } }).slow?.fraction ?? 0.1) * 100)}% of clients stop reading)

A stalled client stops reading its socket. On Linux loopback the kernel buffers a few MB per connection (about 4 MB
here) before a server's own buffers start to grow, so the gateways' slow-consumer policy (conflation past the soft
limit, close 4008 past the hard one) only shows when a stalled client's unread bytes go well beyond that. After the
stall the clients read again, so what the server kept, conflated or closed for them is counted. A server without a
slow-consumer policy spends itself on the stalled clients' backlog and falls behind on the healthy ones: what it still
owes them when the catch-up time ends is shown as "still owed" — late rather than lost for a naive peer, a failure
for a Dish Live gateway.

${run.slow.length ? renderMarkdown(slowTable(run)) : '_Not run._'}

## Reads (dish service vs bare express + ioredis, with and without 24 h of sales history)

${readsSection(run)}

## Writes (PATCH through the dish service vs bare express + ioredis)

${writesSection(run.writes)}

## Many restaurants (one gateway process: many restaurants vs one, same clients and deliveries)

${restaurantsSection(run)}

## Redis Cluster (the same writes on 1 primary and on 3)

${clusterSection(run)}

## Cost per delivery (fixed rates, beside the raw peers)

${costSection(run.cost)}

## Ceiling under a fixed CPU budget (ws-gateway vs raw uWS)

${ceilingSection(run.ceiling)}

## Connection churn (a server killed under its clients, all reconnecting at once)

${churnSection(run)}
`;
}

/** Writes docs/BENCHMARKS.md and docs/benchmarks/*.svg. */
export function writeBenchmarksDoc(docsDir: string, run: RunResult): string {
  const files = charts(run);
  const dir = join(docsDir, CHART_DIR);
  mkdirSync(dir, { recursive: true });
  // A chart this run could not draw must not survive from an earlier run.
  for (const old of readdirSync(dir)) if (old.endsWith('.svg') && !(old in files)) rmSync(join(dir, old));
  for (const [name, svg] of Object.entries(files)) writeFileSync(join(dir, name), svg);
  const path = join(docsDir, 'BENCHMARKS.md');
  writeFileSync(path, renderBenchmarks(run, Object.keys(files)));
  return path;
}
