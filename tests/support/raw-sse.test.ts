import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from './raw-sse.js';
import { pushAsReads, splitAt } from './socket-reads.js';

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
        pushAsReads(splitAt(body, cuts), (read) => decoder.push(read));
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
