import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSseFrame, encodeSseMessage, SseParser, type ServerMessage } from '@dish-live/protocol';
import { ChunkedDecoder, SseStreamParser } from './sse-client.js';

const event = (version: number): ServerMessage => ({
  type: 'dish.updated',
  id: `1700000000000-${version}`,
  prev: `1700000000000-${version - 1}`,
  ts: 1_700_000_000_000 + version,
  data: { dish: { id: 'bench-1', name: 'Mapo "tofu"\u2028', category: 'Sichuan', price: 1000, stock: 5, sold: 0, version, updatedAt: 1 } },
});

/** What the protocol's spec-complete parser sees in a stream: the reference the minimal parser must agree with. */
function reference(stream: string): string[] {
  const out: string[] = [];
  const parser = new SseParser({ onEvent: (e) => out.push(e.data) });
  parser.feed(stream);
  return out;
}

/** Feeds the chunks as `onread` does: each in the same buffer, overwritten by the next. */
function minimal(chunks: Buffer[]): string[] {
  const out: string[] = [];
  const parser = new SseStreamParser((buf, start, end) => out.push(buf.toString('utf8', start, end)));
  const scratch = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const c of chunks) {
    parser.push(scratch.subarray(0, c.copy(scratch)));
    scratch.fill(0x2a);
  }
  return out;
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buf.subarray(last, p));
    last = p;
  }
  out.push(buf.subarray(last));
  return out;
}

describe('SseStreamParser', () => {
  const stream =
    encodeSseFrame({ comment: 'heartbeat 1700000000000', retry: 2500 }) +
    [1, 2, 3].map((v) => encodeSseMessage(event(v))).join('') +
    encodeSseFrame({ event: 'multi', data: 'line one\nline two' }) +
    encodeSseFrame({ data: '' });

  it('agrees with the protocol SseParser on what the gateways and peers write, however it is split', () => {
    const expected = reference(stream);
    expect(expected).toHaveLength(5);
    const bytes = Buffer.from(stream);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(minimal(split(bytes, cuts))).toEqual(expected);
      }),
    );
  });
});

describe('ChunkedDecoder', () => {
  const chunked = (pieces: string[]) =>
    Buffer.from(pieces.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n');

  it('hands on exactly the payload, whatever the chunk and read boundaries', () => {
    const pieces = ['event: a\n', 'data: {"x":1}\n\n', 'é'.repeat(300), 'z'];
    const body = chunked(pieces);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        const out: Buffer[] = [];
        const decoder = new ChunkedDecoder((p) => out.push(Buffer.from(p)));
        const scratch = Buffer.alloc(body.length);
        for (const c of split(body, cuts)) {
          decoder.push(scratch.subarray(0, c.copy(scratch)));
          scratch.fill(0x2a);
        }
        expect(Buffer.concat(out).toString()).toBe(pieces.join(''));
        expect(decoder.done).toBe(true);
      }),
    );
  });

  it('ignores chunk extensions and upper-case hex', () => {
    const out: string[] = [];
    const decoder = new ChunkedDecoder((p) => out.push(p.toString()));
    decoder.push(Buffer.from('A;name=value\r\n0123456789\r\n0\r\n\r\n'));
    expect(out.join('')).toBe('0123456789');
  });
});
