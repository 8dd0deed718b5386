import { describe, expect, it } from 'vitest';
import type { MemoryCount, MemoryResult, RunResult } from '../results.js';
import type { ServerName } from '../servers.js';
import { memoryRatios, memorySummaryRows, memoryTable, memoryTargets, renderMemoryProfiles } from './memory.js';

const count = (requested: number, bytesPerConn: number): MemoryCount => ({
  requested, connections: requested, failed: 0, rssAfterBytes: 0, bytesPerConn, bytesPerConnNoGc: bytesPerConn * 2, heapBytesPerConn: bytesPerConn / 2,
});

const memory = (server: ServerName, counts: MemoryCount[] | undefined, bytesPerConn = counts?.[0]?.bytesPerConn ?? null): MemoryResult => ({
  server, status: 'ok', requested: 10_000, connections: 10_000, failed: 0, rssBeforeBytes: 0, rssAfterBytes: 0, bytesPerConn,
  verified: true, lost: 0, reordered: 0, ...(counts ? { counts } : {}),
});

describe('memoryRatios', () => {
  it('divides each gateway by its raw peer at every count from the reference up both measured, against its target', () => {
    const ratios = memoryRatios([
      memory('ws-gateway', [count(1000, 3000), count(10_000, 1000), count(19_000, 1200)]),
      memory('uws-raw', [count(1000, 500), count(10_000, 800), count(19_000, 1000)]),
      memory('sse-gateway', [count(10_000, 9000)]),
      memory('http-sse-raw', [count(10_000, 9000), count(19_000, 8000)]),
    ]);
    expect(ratios.map((r) => [r.gateway, r.connections, r.ratio, r.met])).toEqual([
      ['ws-gateway', 10_000, 1.25, true],
      ['ws-gateway', 19_000, 1.2, true],
      ['sse-gateway', 10_000, 1, true],
    ]);
    expect(memoryTargets(ratios)['memory:ws-gateway@19000']).toEqual({ target: 'ws-gateway ≤ 1.25× raw uWS per idle connection, at 19,000', met: true });
  });

  it('reads a run from before the counts as its one count, and misses a peer that was not run', () => {
    const ratios = memoryRatios([memory('sse-gateway', undefined, 11_000), memory('http-sse-raw', undefined, 10_000), memory('ws-gateway', undefined, 900)]);
    expect(ratios).toEqual([
      { gateway: 'sse-gateway', peer: 'http-sse-raw', connections: 10_000, gatewayBytes: 11_000, peerBytes: 10_000, ratio: 1.1, limit: 1, met: false },
    ]);
    expect(memorySummaryRows(ratios, {}, (v) => String(v))).toEqual([
      ['sse-gateway / http-sse-raw memory per idle connection, 10,000', '1.1× (10.74 KB / 9.77 KB)', 'sse-gateway ≤ 1.0× raw node:http SSE per idle connection, at 10,000', 'false'],
    ]);
  });
});

describe('the memory reports', () => {
  const run = {
    startedAt: 'now', machine: { cpuModel: 'cpu' }, options: {},
    memory: [
      { ...memory('ws-gateway', [count(1000, 2000), count(10_000, 1000)]), heap: {
        from: 1000, to: 10_000, heapBytesPerConn: 400, rssBytesPerConn: 900, nativeBytesPerConn: 500,
        types: [{ type: 'object', name: 'Connection', bytesPerConn: 160, countPerConn: 1 }, { type: 'closure', name: 'release', bytesPerConn: 56, countPerConn: 1 }],
      } },
      memory('uws-raw', [count(1000, 1000), count(10_000, 800)]),
      { ...memory('socketio', undefined), status: 'crashed', reason: 'socketio exited\nmore' },
    ],
    summary: {},
  } as unknown as RunResult;

  it('lists every server at every count with its ratio to the raw peer', () => {
    expect(memoryTable(run).rows).toEqual([
      ['ws-gateway', '1,000', '1.95 KB', '0.98 KB', '3.91 KB', '', 'yes'],
      ['ws-gateway', '10,000', '0.98 KB', '0.49 KB', '1.95 KB', '1.25× uws-raw', 'yes'],
      ['uws-raw', '1,000', '0.98 KB', '0.49 KB', '1.95 KB', '', 'yes'],
      ['uws-raw', '10,000', '0.78 KB', '0.39 KB', '1.56 KB', '', 'yes'],
      ['socketio', 'crashed: socketio exited', '—', '—', '—', '—', 'no'],
    ]);
  });

  it('writes the heap types per connection of the servers that were snapshotted', () => {
    const doc = renderMemoryProfiles(run)!;
    expect(doc).toContain('| ws-gateway | 1,000 → 10,000 | 900 B | 400 B | 500 B |');
    expect(doc).toContain('| `Connection` | 160 B | 1 |');
    expect(doc).toContain('| `(closure) release` | 56 B | 1 |');
    expect(doc).not.toContain('### uws-raw');
    expect(renderMemoryProfiles({ ...run, memory: [] })).toBeUndefined();
  });
});
