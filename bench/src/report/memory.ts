// The memory scenario's report: RSS per idle connection at each count, each gateway against its raw peer, and where
// the heap's bytes go per connection (the heap snapshots' section of docs/PROFILES.md).
import { formatKb } from '../format.js';
import { heapTypeLabel } from '../heap-profile.js';
import type { MemoryCount, MemoryRatio, MemoryResult, RunResult } from '../results.js';
import type { ServerName } from '../servers.js';
import { renderMarkdown, type Table } from './table.js';

/** Each gateway beside the raw server it is held to, and the most it may take per idle connection against it (issue 18). */
export const MEMORY_TARGETS: { gateway: ServerName; peer: ServerName; limit: number; target: string }[] = [
  { gateway: 'ws-gateway', peer: 'uws-raw', limit: 1.25, target: 'ws-gateway ≤ 1.25× raw uWS per idle connection' },
  { gateway: 'sse-gateway', peer: 'http-sse-raw', limit: 1, target: 'sse-gateway ≤ 1.0× raw node:http SSE per idle connection' },
];

/** Every count a server was measured at; a run from before `counts` existed had one. */
export function memoryCounts(m: MemoryResult): MemoryCount[] {
  if (m.counts?.length) return m.counts;
  return [{
    requested: m.requested, connections: m.connections, failed: m.failed, rssAfterBytes: m.rssAfterBytes, bytesPerConn: m.bytesPerConn,
    bytesPerConnNoGc: m.bytesPerConnNoGc ?? null, heapBytesPerConn: null,
  }];
}

/**
 * Each gateway over its raw peer at every count from the reference up (10,000 and the fd limit's in a full run) that
 * both were measured at. Smaller counts (1,000, the first snapshot's) carry the process's own start-up allocations.
 */
export function memoryRatios(memory: MemoryResult[]): MemoryRatio[] {
  const out: MemoryRatio[] = [];
  for (const t of MEMORY_TARGETS) {
    const [g, p] = [memory.find((m) => m.server === t.gateway), memory.find((m) => m.server === t.peer)];
    if (!g || !p) continue;
    for (const gc of memoryCounts(g).filter((c) => c.requested >= g.requested)) {
      const pc = memoryCounts(p).find((c) => c.requested === gc.requested);
      const ratio = gc.bytesPerConn && pc?.bytesPerConn ? Math.round((gc.bytesPerConn / pc.bytesPerConn) * 100) / 100 : null;
      out.push({
        gateway: t.gateway, peer: t.peer, connections: gc.requested, gatewayBytes: gc.bytesPerConn, peerBytes: pc?.bytesPerConn ?? null,
        ratio, limit: t.limit, met: ratio === null ? null : ratio <= t.limit,
      });
    }
  }
  return out;
}

/** The summary's targets: one per gateway and count, keyed `memory:<gateway>@<count>`. */
export function memoryTargets(ratios: MemoryRatio[]): Record<string, { target: string; met: boolean | null }> {
  return Object.fromEntries(
    ratios.map((r) => [
      `memory:${r.gateway}@${r.connections}`,
      { target: `${MEMORY_TARGETS.find((t) => t.gateway === r.gateway)!.target}, at ${r.connections.toLocaleString('en-US')}`, met: r.met },
    ]),
  );
}

const x = (v: number | null) => (v === null ? '—' : `${v}×`);

/** The summary table's rows: the ratio at each count against its target. */
export function memorySummaryRows(ratios: MemoryRatio[], targets: Record<string, { target: string; met: boolean | null } | undefined>, met: (v: boolean | null) => string): string[][] {
  return ratios.map((r) => {
    const key = `memory:${r.gateway}@${r.connections}`;
    // A run from before these targets has none in its summary: the target is read from the ratio itself.
    const t = targets[key] ?? memoryTargets([r])[key]!;
    return [
      `${r.gateway} / ${r.peer} memory per idle connection, ${r.connections.toLocaleString('en-US')}`,
      `${x(r.ratio)} (${formatKb(r.gatewayBytes)} / ${formatKb(r.peerBytes)})`,
      t.target,
      met(t.met),
    ];
  });
}

/** One row per server and count: RSS per connection after a full GC, the V8 heap's part, and the ratio to the raw peer. */
export function memoryTable(run: RunResult): Table {
  const ratios = run.summary.memoryRatios ?? memoryRatios(run.memory);
  return {
    head: ['server', 'idle connections', 'RSS per connection (after a full GC)', 'of which V8 heap', 'without forcing a GC', '× raw peer', 'events verified'],
    rows: run.memory.flatMap((m) => {
      if (m.status !== 'ok') return [[m.server, `${m.status}: ${(m.reason ?? '').split('\n')[0]}`, '—', '—', '—', '—', 'no']];
      return memoryCounts(m).map((c) => {
        const r = ratios.find((q) => q.gateway === m.server && q.connections === c.requested);
        return [
          m.server, c.connections.toLocaleString('en-US'), formatKb(c.bytesPerConn), formatKb(c.heapBytesPerConn), formatKb(c.bytesPerConnNoGc),
          r ? `${x(r.ratio)} ${r.peer}` : '', m.verified ? 'yes' : 'no',
        ];
      });
    }),
  };
}

/** The method's memory paragraph, with the counts this run measured. */
export function memoryMethod(run: RunResult): string {
  const o = (run.options as { memory?: { connections?: number; counts?: number[]; snapshots?: number[] } }).memory;
  const counts = (o?.counts ?? (o?.connections ? [o.connections] : [])).map((n) => n.toLocaleString('en-US'));
  return (
    `* Memory: ${counts.length ? counts.join(', then ') : '?'} idle connections per server` +
    (counts.length > 1 ? " (connections added to the open ones; the largest is what one process's descriptor limit allows, less a margin for the server's own), " : ', ') +
    'RSS before and at each count (median of 5 samples), each measured as V8 left it and again after a full garbage collection that the bench triggers through the server\'s inspector (`--inspect=127.0.0.1:0`, `HeapProfiler.collectGarbage`; every server alike, none needs a hook), and the V8 heap in use then (`Runtime.getHeapUsage`). ' +
    'The figure compared is the one after the collection: live memory per connection; the rest of it beyond the V8 heap is native (sockets\' and the server library\'s own buffers and structures). Without the collection the figure includes whatever garbage V8 had not collected yet, which varied by ±15 % between identical runs. Each gateway is compared with its raw peer at the same count. Then a few events check that every idle connection still receives, in order.' +
    (o?.snapshots?.length
      ? ` The gateways and their raw peers are then started again and their heaps snapshotted at ${o.snapshots.map((n) => n.toLocaleString('en-US')).join(' and ')} connections (where the bytes go: [PROFILES.md](PROFILES.md)).`
      : '')
  );
}

/** docs/PROFILES.md's generated memory section: per server, the heap types that grow most per connection. */
export function renderMemoryProfiles(run: RunResult): string | undefined {
  const profiled = run.memory.filter((m) => m.heap);
  if (!profiled.length) return undefined;
  const out = [
    '# Where the memory goes',
    '',
    `Generated by \`npm run bench -- --scenario memory\` on ${run.startedAt} (${run.machine.cpuModel as string}). Each server was ` +
      `started a second time for this (a heap snapshot leaves the process's RSS inflated, so the RSS figures come from the first), ` +
      'fed the same events, and its V8 heap snapshotted (`HeapProfiler.takeHeapSnapshot`, which collects garbage first) at two counts of idle ' +
      'connections; each (node type, name)\'s self size and count are summed, and their growth divided by the connections added. ' +
      'Objects are named by constructor, everything else by V8\'s node type: `(closure)` a function, `system / Context` the ' +
      'variables closures capture, `(array)` V8\'s backing stores, `(object shape)` hidden classes. "Outside the V8 heap" is the RSS ' +
      'growth per connection over the same counts less the heap\'s: sockets, the server library\'s native structures and buffers, allocator slack.',
    '',
    renderMarkdown({
      head: ['server', 'counts', 'RSS per connection', 'V8 heap per connection', 'outside the V8 heap'],
      rows: profiled.map((m) => [
        m.server, `${m.heap!.from.toLocaleString('en-US')} → ${m.heap!.to.toLocaleString('en-US')}`,
        bytes(m.heap!.rssBytesPerConn), bytes(m.heap!.heapBytesPerConn), bytes(m.heap!.nativeBytesPerConn),
      ]),
    }),
    '',
  ];
  for (const m of profiled) {
    out.push(
      `### ${m.server}`,
      '',
      renderMarkdown({
        head: ['type', 'bytes per connection', 'objects per connection'],
        rows: m.heap!.types.map((t) => [`\`${heapTypeLabel(t)}\``, bytes(t.bytesPerConn), String(t.countPerConn)]),
      }),
      '',
    );
  }
  return out.join('\n');
}

const bytes = (v: number | null) => (v === null ? '—' : `${Math.round(v).toLocaleString('en-US')} B`);
