// Where a server's heap goes per connection: V8 heap snapshots summed by object type, and the slope between two counts.
// CLI: `npx tsx bench/src/heap-profile.ts --server ws-gateway --counts 1000,10000` prints the top types per connection.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnRedisServer } from '@dish-live/local-redis';
import { heapSnapshot, stopAllStarted, waitForInspector } from '@dish-live/test-support';
import { Publisher } from './publisher.js';
import { connectRedis } from './scenarios/context.js';
import { SERVER_NAMES, SERVERS, startServer, type ServerName } from './servers.js';
import { LoadGen } from './workers.js';

/** Every node of one (type, name) summed: how many and their self size. */
export interface HeapType {
  type: string;
  name: string;
  count: number;
  selfSize: number;
}

export interface HeapSummary {
  nodes: number;
  totalSize: number;
  types: HeapType[];
}

/** A type's growth per connection between two snapshots. */
export interface HeapSlope {
  type: string;
  name: string;
  bytesPerConn: number;
  countPerConn: number;
}

export interface HeapDiff {
  from: number;
  to: number;
  /** The whole heap's growth per connection (every type, not only the top ones). */
  heapBytesPerConn: number;
  types: HeapSlope[];
}

/** Types whose node names are contents (a string's text, a number's value, code's function): summed by type alone. */
const BY_TYPE = new Set(['string', 'concatenated string', 'sliced string', 'number', 'heap number', 'code', 'regexp', 'symbol', 'bigint']);
const NAME_MAX = 60;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The end (exclusive) of the JSON string starting at `pos` (its opening quote), and whether it holds escapes. */
function stringEnd(buf: Buffer, pos: number): { end: number; escaped: boolean } {
  let escaped = false;
  for (let i = pos + 1; i < buf.length; i++) {
    const c = buf[i];
    if (c === BACKSLASH) {
      escaped = true;
      i++;
    } else if (c === QUOTE) return { end: i + 1, escaped };
  }
  throw new Error('heap snapshot: unterminated string');
}

function skipSpace(buf: Buffer, pos: number): number {
  while (pos < buf.length && (buf[pos] === 0x20 || buf[pos] === 0x0a || buf[pos] === 0x0d || buf[pos] === 0x09 || buf[pos] === 0x2c)) pos++;
  return pos;
}

/** The end (exclusive) of the JSON value at `pos`: brackets matched, strings skipped whole. */
function valueEnd(buf: Buffer, pos: number): number {
  let depth = 0;
  for (let i = pos; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === QUOTE) {
      i = stringEnd(buf, i).end - 1;
      if (depth === 0) return i + 1;
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) return i + 1;
      if (depth < 0) return i;
    } else if (depth === 0 && c === 0x2c) return i;
  }
  return buf.length;
}

/** Calls `each(value, index)` for every non-negative integer of the array at `pos`; answers the array's end. */
function scanIntegers(buf: Buffer, pos: number, each: (value: number, index: number) => void): number {
  let index = 0;
  let value = -1;
  for (let i = pos + 1; i < buf.length; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) value = (value < 0 ? 0 : value * 10) + (c - 0x30);
    else {
      if (value >= 0) each(value, index++);
      value = -1;
      if (c === 0x5d) return i + 1;
    }
  }
  throw new Error('heap snapshot: unterminated array');
}

interface SnapshotMeta {
  meta: { node_fields: string[]; node_types: [string[], ...unknown[]] };
  node_count: number;
}

/**
 * Sums a `.heapsnapshot` by (node type, name). The file is scanned as bytes, not `JSON.parse`d: a 10,000-connection
 * server's snapshot is ~100 MB, whose parsed arrays would take gigabytes; only three fields per node are kept, and
 * only the names the nodes use are decoded.
 */
export function summarizeHeapSnapshot(buf: Buffer): HeapSummary {
  let meta: SnapshotMeta | undefined;
  let kinds = new Uint8Array(0);
  let names = new Uint32Array(0);
  let sizes = new Float64Array(0);
  const stringAt: number[] = [];
  let pos = skipSpace(buf, buf.indexOf(0x7b) + 1);
  while (pos < buf.length && buf[pos] === QUOTE) {
    const k = stringEnd(buf, pos).end;
    const key = buf.toString('utf8', pos + 1, k - 1);
    pos = skipSpace(buf, buf.indexOf(0x3a, k) + 1);
    if (key === 'snapshot') {
      const end = valueEnd(buf, pos);
      meta = JSON.parse(buf.toString('utf8', pos, end)) as SnapshotMeta;
      pos = end;
    } else if (key === 'nodes') {
      if (!meta) throw new Error('heap snapshot: nodes before the snapshot meta');
      const fields = meta.meta.node_fields;
      const [type, name, self] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
      if (type! < 0 || name! < 0 || self! < 0) throw new Error(`heap snapshot: node fields ${fields.join(',')} lack type, name or self_size`);
      const n = fields.length;
      kinds = new Uint8Array(meta.node_count);
      names = new Uint32Array(meta.node_count);
      sizes = new Float64Array(meta.node_count);
      pos = scanIntegers(buf, pos, (v, i) => {
        const f = i % n;
        if (f === type) kinds[(i - f) / n] = v;
        else if (f === name) names[(i - f) / n] = v;
        else if (f === self) sizes[(i - f) / n] = v;
      });
    } else if (key === 'strings') {
      // Remembered by offset: most strings (source text, property names) are never a node's name here.
      for (pos = skipSpace(buf, pos + 1); buf[pos] === QUOTE; pos = skipSpace(buf, stringEnd(buf, pos).end)) stringAt.push(pos);
      pos = buf.indexOf(0x5d, pos) + 1;
    } else pos = valueEnd(buf, pos);
    pos = skipSpace(buf, pos);
  }
  if (!meta) throw new Error('heap snapshot: no snapshot meta');
  const typeNames = meta.meta.node_types[0];
  const decoded = new Map<number, string>();
  const text = (index: number): string => {
    let s = decoded.get(index);
    if (s === undefined) {
      const at = stringAt[index];
      if (at === undefined) s = '';
      else {
        const { end, escaped } = stringEnd(buf, at);
        const raw = escaped ? buf.toString('utf8', at, end) : buf.toString('utf8', at + 1, end - 1);
        s = escaped ? (JSON.parse(raw) as string) : raw;
      }
      s = s.length > NAME_MAX ? `${s.slice(0, NAME_MAX)}…` : s;
      decoded.set(index, s);
    }
    return s;
  };
  const rows = new Map<string, HeapType>();
  let totalSize = 0;
  for (let i = 0; i < kinds.length; i++) {
    const type = typeNames[kinds[i]!] ?? String(kinds[i]);
    const name = BY_TYPE.has(type) ? '' : text(names[i]!);
    const key = `${type}\u0000${name}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { type, name, count: 0, selfSize: 0 }));
    row.count++;
    row.selfSize += sizes[i]!;
    totalSize += sizes[i]!;
  }
  return { nodes: kinds.length, totalSize, types: [...rows.values()].sort((a, b) => b.selfSize - a.selfSize) };
}

/** Each type's growth per connection from `a` (at `nA` connections) to `b` (at `nB`), the `top` largest first. */
export function diffHeaps(a: HeapSummary, nA: number, b: HeapSummary, nB: number, top = 12): HeapDiff {
  const dn = nB - nA;
  if (dn <= 0) throw new Error(`heap diff: ${nB} connections is not more than ${nA}`);
  const key = (t: HeapType) => `${t.type}\u0000${t.name}`;
  const before = new Map(a.types.map((t) => [key(t), t]));
  const types = b.types.map((t) => {
    const was = before.get(key(t));
    before.delete(key(t));
    return { type: t.type, name: t.name, bytesPerConn: (t.selfSize - (was?.selfSize ?? 0)) / dn, countPerConn: (t.count - (was?.count ?? 0)) / dn };
  });
  // Types gone by `b` shrank: their whole size is a negative slope.
  for (const t of before.values()) types.push({ type: t.type, name: t.name, bytesPerConn: -t.selfSize / dn, countPerConn: -t.count / dn });
  types.sort((x, y) => y.bytesPerConn - x.bytesPerConn);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    from: nA,
    to: nB,
    heapBytesPerConn: round((b.totalSize - a.totalSize) / dn),
    types: types
      .map((t) => ({ ...t, bytesPerConn: round(t.bytesPerConn), countPerConn: round(t.countPerConn) }))
      // Under a byte per connection is noise (code the JIT compiled meanwhile, a resized table), not per-connection state.
      .filter((t) => Math.abs(t.bytesPerConn) >= 1)
      .slice(0, top),
  };
}

/** How a type reads in a report: an object by its constructor, anything else by its V8 node type too. */
export function heapTypeLabel(t: { type: string; name: string }): string {
  if (t.type === 'object') return t.name;
  return t.name ? `(${t.type}) ${t.name}` : `(${t.type})`;
}

/** A snapshot of the process behind `inspectorUrl`, summed; the file is removed once read. */
export async function snapshotHeap(inspectorUrl: string): Promise<HeapSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'dish-live-heap-'));
  try {
    const file = join(dir, 'server.heapsnapshot');
    await heapSnapshot(inspectorUrl, file);
    return summarizeHeapSnapshot(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderHeapDiff(d: HeapDiff, rssBytesPerConn?: number): string {
  const lines = [
    `${d.from.toLocaleString('en-US')} → ${d.to.toLocaleString('en-US')} connections: heap ${Math.round(d.heapBytesPerConn)} B/conn` +
      (rssBytesPerConn === undefined ? '' : `, RSS ${Math.round(rssBytesPerConn)} B/conn (outside the V8 heap: ${Math.round(rssBytesPerConn - d.heapBytesPerConn)} B)`),
    ...d.types.map((t) => `  ${String(Math.round(t.bytesPerConn)).padStart(7)} B  ${t.countPerConn.toFixed(2).padStart(6)} ×  ${heapTypeLabel(t)}`),
  ];
  return lines.join('\n');
}

/**
 * The CLI: one server, fed a few events first (as the memory scenario does), a snapshot at each count of idle clients.
 * No RSS here: taking a snapshot leaves the process's RSS inflated (the memory scenario reads RSS in a run without).
 */
async function cli(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { server: { type: 'string' }, counts: { type: 'string', default: '1000,10000' }, top: { type: 'string', default: '15' } } });
  const name = values.server as ServerName | undefined;
  if (!name || !SERVER_NAMES.includes(name)) throw new Error(`--server: one of ${SERVER_NAMES.join(', ')}`);
  const counts = values.counts.split(',').map(Number);
  if (counts.some((c, i) => !Number.isInteger(c) || c < 0 || (i > 0 && c <= counts[i - 1]!))) throw new Error('--counts: increasing integers, e.g. 1000,10000');
  const def = SERVERS[name];
  const redis = await spawnRedisServer();
  const loadgen = LoadGen.start(Math.ceil(counts.at(-1)! / 10_000), undefined);
  try {
    const client = connectRedis(redis.url);
    const prefix = `heap:${name}:`;
    const publisher = await Publisher.broker(client, prefix);
    const server = await startServer(def, { redisUrl: redis.url, prefix, core: undefined, inspect: true });
    const inspector = await waitForInspector(server.process);
    await publisher.run(20, 100);
    client.disconnect();
    let open = 0;
    let last: { n: number; heap: HeapSummary } | undefined;
    for (const n of counts) {
      const c = await loadgen.connect(def.client, server.port, def.path, n - open, 'heap');
      open += c.connected;
      if (c.failed) throw new Error(`${c.failed} connections failed: ${c.firstError}`);
      const heap = await snapshotHeap(inspector);
      console.log(`${name} at ${n.toLocaleString('en-US')}: live heap ${(heap.totalSize / 1048576).toFixed(1)} MB`);
      if (last) console.log(renderHeapDiff(diffHeaps(last.heap, last.n, heap, n, Number(values.top))));
      last = { n, heap };
    }
  } finally {
    await loadgen.stop();
    await stopAllStarted();
    await redis.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
