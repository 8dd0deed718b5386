import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSseFrame, encodeSseMessage, SseParser, type ServerMessage } from '@dish-live/protocol';
import { pushAsReads, splitAt } from '@dish-live/test-support';
import { SseStreamParser } from './sse-client.js';

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

/** The minimal parser's data, each read in one reused buffer as `onread` delivers it. */
function minimal(chunks: Buffer[]): string[] {
  const out: string[] = [];
  const parser = new SseStreamParser((buf, start, end) => out.push(buf.toString('utf8', start, end)));
  pushAsReads(chunks, (read) => parser.push(read));
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
        expect(minimal(splitAt(bytes, cuts))).toEqual(expected);
      }),
    );
  });
});
