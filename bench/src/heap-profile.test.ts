import { describe, expect, it } from 'vitest';
import { diffHeaps, heapTypeLabel, summarizeHeapSnapshot } from './heap-profile.js';

/** A snapshot as V8 writes it, with `nodes` of [type, name, id, self_size, edge_count] and the sections the parser skips. */
function snapshot(nodes: [number, number, number][], strings: string[]): Buffer {
  const meta = {
    meta: {
      node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
      node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure'], 'string', 'number', 'number', 'number'],
      edge_fields: ['type', 'name_or_index', 'to_node'],
      edge_types: [['context', 'element'], 'string_or_number', 'node'],
    },
    node_count: nodes.length,
    edge_count: 1,
  };
  const flat = nodes.flatMap(([type, name, size], i) => [type, name, i * 2 + 1, size, 0]);
  return Buffer.from(
    `{"snapshot":${JSON.stringify(meta)},\n"nodes":[${flat.join(',\n')}],\n"edges":[1,0,5],\n"trace_function_infos":[],\n` +
      `"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[${strings.map((s) => JSON.stringify(s)).join(',\n')}]}`,
  );
}

const STRINGS = ['', 'Socket', 'Client "quoted" ]', 'onMessage', 'a long text with [brackets], {braces} and \\ escapes', 'system / Context'];

describe('summarizeHeapSnapshot', () => {
  it('sums count and self size by type and name, strings and code by type alone', () => {
    const s = summarizeHeapSnapshot(
      snapshot([[3, 1, 100], [3, 1, 50], [3, 2, 30], [5, 3, 32], [2, 4, 64], [2, 1, 16], [4, 3, 200], [0, 5, 40]], STRINGS),
    );
    expect(s.nodes).toBe(8);
    expect(s.totalSize).toBe(532);
    expect(s.types).toEqual([
      { type: 'code', name: '', count: 1, selfSize: 200 },
      { type: 'object', name: 'Socket', count: 2, selfSize: 150 },
      { type: 'string', name: '', count: 2, selfSize: 80 },
      { type: 'hidden', name: 'system / Context', count: 1, selfSize: 40 },
      { type: 'closure', name: 'onMessage', count: 1, selfSize: 32 },
      { type: 'object', name: 'Client "quoted" ]', count: 1, selfSize: 30 },
    ]);
  });
});

describe('diffHeaps', () => {
  const a = summarizeHeapSnapshot(snapshot([[3, 1, 100], [0, 5, 40], [4, 3, 200]], STRINGS));
  const b = summarizeHeapSnapshot(snapshot([[3, 1, 100], [3, 1, 100], [3, 1, 100], [5, 3, 32], [5, 3, 32], [4, 3, 200]], STRINGS));

  it('answers each type\'s growth per connection, the largest first, those under a byte left out, and the whole heap\'s', () => {
    const d = diffHeaps(a, 1000, b, 1002);
    expect(d.heapBytesPerConn).toBe((564 - 340) / 2);
    expect(d.types).toEqual([
      { type: 'object', name: 'Socket', bytesPerConn: 100, countPerConn: 1 },
      { type: 'closure', name: 'onMessage', bytesPerConn: 32, countPerConn: 1 },
      { type: 'hidden', name: 'system / Context', bytesPerConn: -20, countPerConn: -0.5 },
    ]);
    expect(diffHeaps(a, 1000, b, 1002, 2).types).toHaveLength(2);
  });

  it('refuses counts that do not grow', () => {
    expect(() => diffHeaps(a, 10, b, 10)).toThrow(/not more than/);
  });
});

describe('heapTypeLabel', () => {
  it('names objects by constructor and the rest by node type', () => {
    expect(heapTypeLabel({ type: 'object', name: 'Socket' })).toBe('Socket');
    expect(heapTypeLabel({ type: 'closure', name: 'onMessage' })).toBe('(closure) onMessage');
    expect(heapTypeLabel({ type: 'string', name: '' })).toBe('(string)');
  });
});
