// The cluster scenario in the reports: writes per configuration, 3 primaries against 1, deliveries through a gateway.
import { formatRate } from '../format.js';
import type { ClusterDelivery, ClusterLimit, ClusterResult, ClusterWriteConfig, RunResult } from '../results.js';
import { median, SATURATED_CORE } from '../scenarios/cluster-figures.js';
import { renderMarkdown, type Table } from './table.js';

const v = (x: number | null | undefined, unit = '') => (x === null || x === undefined ? '—' : `${x}${unit}`);
const ratio = (x: number | null) => (x === null ? '—' : `${x}×`);

export const clusterName = (primaries: number, replicasPerPrimary: number) =>
  `${primaries} primar${primaries === 1 ? 'y' : 'ies'} + ${primaries * replicasPerPrimary} replica${primaries * replicasPerPrimary === 1 ? '' : 's'}`;

const LIMITS: Record<ClusterLimit, string> = {
  'redis-core': "Redis's core",
  'writer-core': "writers' core (floor)",
  neither: 'neither core (floor)',
};

function range(values: number[]): string {
  return values.length > 1 ? ` (${Math.min(...values)}–${Math.max(...values)})` : '';
}

export function clusterWritesTable(r: ClusterResult): Table {
  return {
    head: [
      'cluster', 'WRITE_MIN_REPLICAS', 'writes/s (median of rounds; range)', 'bounded by', 'write p50 / p99 ms',
      'CPU µs per write: primaries / replicas / writers', 'writes per primary core-second', 'Redis bytes per stream entry',
      'refused', 'others on the Redis / writers core (points)',
    ],
    rows: r.writes.map((w: ClusterWriteConfig) => {
      const p = (pick: (x: (typeof w.rounds)[number]) => number) => median(w.rounds.map(pick));
      return [
        clusterName(w.primaries, w.replicasPerPrimary),
        String(w.minReplicas),
        `${w.writesPerSec === null ? '—' : formatRate(w.writesPerSec)}${range(w.rounds.map((x) => x.writesPerSec))}`,
        LIMITS[w.limitedBy],
        `${v(p((x) => x.latency.p50))} / ${v(p((x) => x.latency.p99))}`,
        `${v(w.primaryUsPerWrite)} / ${v(w.replicaUsPerWrite)} / ${v(w.writerUsPerWrite)}`,
        w.writesPerPrimaryCoreSecond === null ? '—' : formatRate(w.writesPerPrimaryCoreSecond),
        v(w.bytesPerStreamEntry, ' B'),
        String(w.rounds.reduce((s, x) => s + x.failed, 0)),
        `${v(p((x) => x.otherOnRedisCore))} / ${v(p((x) => x.otherOnWriterCore))}`,
      ];
    }),
  };
}

export function clusterComparisonTable(r: ClusterResult): Table {
  return {
    head: ['WRITE_MIN_REPLICAS', 'writes/s, 3 primaries / 1', 'primaries CPU per write, 3 / 1', 'replicas CPU per write, 3 / 1'],
    rows: r.comparisons.map((c) => [String(c.minReplicas), ratio(c.writesRatio), ratio(c.primaryUsRatio), ratio(c.replicaUsRatio)]),
  };
}

function deliveryRow(r: ClusterResult, d: ClusterDelivery): string[] {
  const s = d.step;
  return [
    clusterName(d.primaries, r.writes.find((w) => w.primaries === d.primaries)?.replicasPerPrimary ?? 1),
    String(d.minReplicas),
    `${d.restaurants} × ${d.clientsPerRestaurant}`,
    s ? `${d.rate} / ${s.publishedRate}` : String(d.rate),
    s ? formatRate(s.deliveriesPerSec) : '—',
    s ? `${s.latency.p50} / ${s.latency.p99}` : '—',
    `${d.dueFromLog} / ${d.delivered} / ${d.missing} / ${d.reordered}`,
    `${d.cpu.gateway}% / ${d.cpu.primaries}% / ${d.cpu.replicas}%`,
    v(d.primaryUsPerWrite),
    s?.verdict ?? '—',
  ];
}

export function clusterDeliveriesTable(r: ClusterResult): Table {
  return {
    head: [
      'cluster', 'WRITE_MIN_REPLICAS', 'restaurants × clients', 'writes/s asked / done', 'deliveries/s', 'p50 / p99 ms (write → client)',
      'due from the log / delivered / missing / reordered', 'CPU: gateway / primaries / replicas', 'primaries CPU µs per write', 'verdict',
    ],
    rows: r.deliveries.map((d) => deliveryRow(r, d)),
  };
}

function roundsTable(r: ClusterResult): Table {
  return {
    head: ['cluster', 'WRITE_MIN_REPLICAS', 'round', 'writes/s', 'p50 / p99 ms', 'CPU: primaries / replicas / writers', 'per node', 'cores busy', 'others: Redis / writers core', 'refused', 'bounded by'],
    rows: r.writes.flatMap((w) =>
      w.rounds.map((x, i) => [
        clusterName(w.primaries, w.replicasPerPrimary), String(w.minReplicas), String(i + 1), formatRate(x.writesPerSec),
        `${x.latency.p50} / ${x.latency.p99}`, `${x.cpu.primaries}% / ${x.cpu.replicas}% / ${x.cpu.writers}%`,
        x.cpu.nodes.map((n) => `${n.role === 'primary' ? 'P' : 'R'} ${n.cpu}%`).join(', '), x.cores.map((c) => `${c}%`).join(' / '),
        `${x.otherOnRedisCore} / ${x.otherOnWriterCore}`, x.failed ? `${x.failed} (${x.firstError ?? ''})` : '0', LIMITS[x.limitedBy],
      ]),
    ),
  };
}

/** The Markdown section: method and what this machine can and cannot show, then the tables. */
export function clusterSection(run: RunResult): string {
  const r = run.cluster;
  if (!r) return '_Not run._';
  if (r.status !== 'ok' && r.writes.length === 0) return `_${r.status}: ${(r.reason ?? '').split('\n')[0]}_`;
  const o = (run.options as { cluster?: { restaurants: number; rounds: number; roundMs: number; stepMs: number } }).cluster;
  const cpus = (run.machine as { cpus?: number }).cpus ?? '?';
  const failed = r.status === 'ok' ? '' : `\n\n**${r.status}**: ${(r.reason ?? '').split('\n')[0]}`;
  return `Two private Redis Clusters (\`spawnRedisCluster\`: ${clusterName(1, r.writes[0]?.replicasPerPrimary ?? 1)}, and ${clusterName(3, r.writes[0]?.replicasPerPrimary ?? 1)}; AOF on every node as in production, \`appendfsync everysec\`), ${o?.restaurants ?? '?'} restaurants on each whose \`{r:<rid>}\` slots are dealt evenly over its primaries. The writes are the dish service's: \`EventLog.updateDish\` (the Lua script: dish hash, stream, confirm mark or SPUBLISH) through ioredis \`Cluster\` clients (primaries only), ${r.workers} load generator process(es) × ${r.connectionsPerWorker} cluster clients, ${r.concurrency} writes in flight (each answer sends the next); with \`WRITE_MIN_REPLICAS=1\` each write is the script and a \`WAIT 1 ${r.replicaTimeoutMs}\` in one pipeline, then the confirm script that moves the confirmed mark and publishes. The two clusters alternate, round by round (${o?.rounds ?? '?'} rounds of ${(o?.roundMs ?? 0) / 1000} s each after a warm-up, the order swapped every round), so the ratios compare rounds that ran back to back. **CPU per write** is the redis-server processes' utime+stime (\`/proc/<pid>/stat\`) over the round divided by the writes acknowledged: the primaries together, the replicas together, and the writers'. **Writes per primary core-second** is 10⁶ over the primaries' µs per write: what one primary's core takes at that cost, the per-shard figure [CAPACITY.md](CAPACITY.md) uses. **Redis bytes per stream entry**: the primaries' \`used_memory\` growth over the rounds divided by the stream entries they added.

Pinning (\`taskset\`${r.pinned ? '' : ' — failed in this run: nothing was pinned'}): every redis-server on core ${r.redisCore}, the writers and the orchestrator on core ${r.writerCore}. This machine has ${cpus} cores, so the 3-primary cluster's six nodes share one core as the 1-primary cluster's two do: **3 primaries cannot show 3× the writes here**: the writes/s ratio can show what spreading costs (each primary batches a third of the load per event-loop turn, so more CPU per write) and the machine's noise, not what spreading gains. What a shard gains is its own core, which this machine cannot give; the CPU per write is what carries over to a machine where it can. A round is **bounded by** a core busier than ${SATURATED_CORE} %: Redis's (the writes/s is what the nodes took) or the writers' (a floor for Redis); "others" is how much of each core other work took (the machine is shared: a neighbour's burst lowers writes/s, not the CPU per write).

Deliveries: one ws-gateway (\`REDIS_CLUSTER_NODES\`, the same \`WRITE_MIN_REPLICAS\`), pinned to core ${r.redisCore} with the nodes, with clients of every restaurant (\`/ws/{rid}\`); writes at half the slower cluster's writes/s (at most a cap) for ${(o?.stepMs ?? 0) / 1000} s, the same rate on both clusters. Each client's sequence (the bench dish's version) is checked for gaps and order; after the drain every client is checked against the bench dish's version in Redis, and the deliveries due from the log (each restaurant's versions written × its clients) against those received.${failed}

${renderMarkdown(clusterWritesTable(r))}

${renderMarkdown(clusterComparisonTable(r))}

${r.deliveries.length ? renderMarkdown(clusterDeliveriesTable(r)) : '_Deliveries not measured (the ws-gateway build is missing)._'}

<details><summary>Every round</summary>

${renderMarkdown(roundsTable(r))}

</details>`;
}
