import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSseFrame, encodeSseMessage, SseParser, type SseEvent } from './sse-frame.js';
import type { ServerMessage } from './messages.js';

interface Parsed {
  events: SseEvent[];
  comments: string[];
  retries: number[];
  parser: SseParser;
}

function parser(): Parsed {
  const out: Omit<Parsed, 'parser'> = { events: [], comments: [], retries: [] };
  const p = new SseParser({
    onEvent: (e) => out.events.push(e),
    onComment: (c) => out.comments.push(c),
    onRetry: (ms) => out.retries.push(ms),
  });
  return { ...out, parser: p };
}

function parseAll(...chunks: string[]): Parsed {
  const p = parser();
  for (const chunk of chunks) p.parser.feed(chunk);
  return p;
}

/** What the spec says an SSE client sees for data sent with any line breaks: each CR or CRLF becomes LF. */
const normalized = (data: string) => data.replace(/\r\n|\r/g, '\n');

describe('encodeSseFrame', () => {
  it('writes the fields in a fixed order and ends with a blank line', () => {
    expect(encodeSseFrame({ comment: 'hi', retry: 1500, event: 'dish.updated', id: '5-0', data: '{"a":1}' })).toBe(
      ': hi\nretry: 1500\nevent: dish.updated\nid: 5-0\ndata: {"a":1}\n\n',
    );
  });

  it('splits multi-line data and comments on CR, LF and CRLF into one line each', () => {
    expect(encodeSseFrame({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(encodeSseFrame({ comment: 'x\r\ny' })).toBe(': x\n: y\n\n');
    expect(encodeSseFrame({ data: '' })).toBe('data: \n\n');
  });

  it('refuses values that would break the framing', () => {
    expect(() => encodeSseFrame({ event: 'a\nb' })).toThrow(RangeError);
    expect(() => encodeSseFrame({ event: 'a\rb' })).toThrow(RangeError);
    expect(() => encodeSseFrame({ id: '1-0\n' })).toThrow(RangeError);
    expect(() => encodeSseFrame({ id: '1\u00000' })).toThrow(RangeError);
    expect(() => encodeSseFrame({ retry: -1 })).toThrow(RangeError);
    expect(() => encodeSseFrame({ retry: 1.5 })).toThrow(RangeError);
  });
});

describe('encodeSseMessage', () => {
  const dish = { id: 'm', name: 'M', category: 'c', price: 1, stock: 1, sold: 0, version: 1, updatedAt: 1 };

  it('names the event by type and carries the stream id for events, snapshots and state', () => {
    const messages: ServerMessage[] = [
      { type: 'dish.updated', id: '7-1', prev: '7-0', ts: 1, data: { dish } },
      { type: 'snapshot', id: '7-1', dishes: [dish], sales: { bucketMs: 1000, buckets: [] }, chat: [], recovered: false, instance: 'i' },
      { type: 'state', id: '9-0', dishes: [{ id: 'm', deleted: true }], chat: [] },
    ];
    for (const message of messages) {
      const { events } = parseAll(encodeSseMessage(message));
      expect(events).toEqual([{ event: message.type, data: JSON.stringify(message), lastEventId: 'id' in message ? message.id : '' }]);
    }
  });

  it('sends no id for resumed (it names where the client already is), error or pong', () => {
    for (const message of [
      { type: 'resumed', id: '7-1', recovered: true, instance: 'i' },
      { type: 'error', code: 'bad_since', message: 'x' },
      { type: 'pong', serverTime: 1 },
    ] satisfies ServerMessage[]) {
      const frame = encodeSseMessage(message);
      expect(frame).not.toMatch(/^id:/m);
      expect(parseAll(frame).events[0]).toMatchObject({ event: message.type, data: JSON.stringify(message) });
    }
  });

  it('from ready JSON, as the gateway holds it, writes the bytes the general frame encoder writes', () => {
    const messages: ServerMessage[] = [
      { type: 'dish.updated', id: '7-1', prev: '7-0', ts: 1, data: { dish: { ...dish, name: 'line\nbreak' } } },
      { type: 'resumed', id: '7-1', recovered: true, instance: 'i' },
      { type: 'error', code: 'bad_since', message: 'x' },
    ];
    for (const message of messages) {
      const id = message.type !== 'resumed' && 'id' in message ? { id: message.id } : {};
      expect(encodeSseMessage(message, JSON.stringify(message))).toBe(encodeSseFrame({ event: message.type, ...id, data: JSON.stringify(message) }));
    }
  });

  it('keeps the id of the last event across a resumed frame', () => {
    const p = parseAll(
      encodeSseMessage({ type: 'chat.message', id: '3-0', prev: '2-0', ts: 1, data: { author: 'a', text: 'b' } }),
      encodeSseMessage({ type: 'resumed', id: '1-0', recovered: true, instance: 'i' }),
    );
    expect(p.events.map((e) => e.lastEventId)).toEqual(['3-0', '3-0']);
  });
});

describe('SseParser (HTML spec, "event stream interpretation")', () => {
  it('round-trips multi-line data with LF, CR and CRLF inside, as LF', () => {
    const data = 'one\ntwo\r\nthree\rfour';
    expect(parseAll(encodeSseFrame({ data })).events).toEqual([{ event: 'message', data: 'one\ntwo\nthree\nfour', lastEventId: '' }]);
  });

  it('accepts LF, CR and CRLF as line ends in the stream, mixed', () => {
    const { events } = parseAll('event: a\rdata: 1\r\ndata: 2\n\r\nevent: b\ndata: 3\r\r');
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['a', '1\n2'],
      ['b', '3'],
    ]);
  });

  const stream = '\uFEFF: hello\r\nretry: 2000\r\nevent: dish.updated\r\nid: 5-0\r\ndata: {"a":\r\ndata:  1}\r\n\r\ndata: x\rdata: y\r\rid: 6-0\ndata\n\n';
  const expected = [
    { event: 'dish.updated', data: '{"a":\n 1}', lastEventId: '5-0' },
    { event: 'message', data: 'x\ny', lastEventId: '5-0' },
    { event: 'message', data: '', lastEventId: '6-0' },
  ];

  it('parses a stream fed whole', () => {
    const p = parseAll(stream);
    expect(p.events).toEqual(expected);
    expect(p.comments).toEqual(['hello']);
    expect(p.retries).toEqual([2000]);
  });

  it('gives the same result for a stream split in two at every position, including between CR and LF', () => {
    for (let i = 0; i <= stream.length; i++) {
      const p = parseAll(stream.slice(0, i), stream.slice(i));
      expect(p.events, `split at ${i}`).toEqual(expected);
      expect(p.comments, `split at ${i}`).toEqual(['hello']);
      expect(p.retries, `split at ${i}`).toEqual([2000]);
    }
  });

  it('gives the same result for a stream split in three at every pair of positions, with empty chunks between', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const p = parseAll(stream.slice(0, i), '', stream.slice(i, j), '', stream.slice(j));
        expect(p.events, `split at ${i}, ${j}`).toEqual(expected);
      }
    }
  });

  it('gives the same result fed one character at a time', () => {
    expect(parseAll(...stream).events).toEqual(expected);
  });

  it('does not take a CR and a LF split by an empty chunk as two line ends', () => {
    expect(parseAll('data: a\r', '', '\ndata: b\n\n').events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('strips one leading BOM only, even when it arrives after an empty chunk', () => {
    expect(parseAll('', '\uFEFFdata: x\n\n').events.map((e) => e.data)).toEqual(['x']);
    // A second BOM is part of the first field name, which is then unknown and ignored.
    expect(parseAll('\uFEFF\uFEFFdata: x\n\ndata: y\n\n').events.map((e) => e.data)).toEqual(['y']);
    // A BOM later in the stream is not stripped.
    expect(parseAll('data: x\n\n\uFEFFdata: y\n\n').events.map((e) => e.data)).toEqual(['x']);
  });

  it('hands comments to onComment without dispatching anything', () => {
    const p = parseAll(':\n: server time 1700\n:no space\n\n');
    expect(p.comments).toEqual(['', 'server time 1700', 'no space']);
    expect(p.events).toEqual([]);
  });

  it('takes retry only when its value is all ASCII digits', () => {
    expect(parseAll('retry: 3000\nretry:0\nretry: 1a\nretry: -5\nretry:\nretry: 1.5\nretry:  7\n').retries).toEqual([3000, 0]);
  });

  it('keeps the last event id across events until a new id line, and an empty id resets it', () => {
    const { events } = parseAll('id: 1-0\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2-0\ndata: d\n\nid:\ndata: e\n\n');
    expect(events.map((e) => e.lastEventId)).toEqual(['1-0', '1-0', '', '2-0', '']);
  });

  it('ignores an id containing NUL, keeping the previous one', () => {
    const p = parseAll('id: 1-0\ndata: a\n\nid: 2\u00000\ndata: b\n\n');
    expect(p.events.map((e) => e.lastEventId)).toEqual(['1-0', '1-0']);
    expect(p.parser.lastEventId).toBe('1-0');
  });

  it('commits an id on the blank line, even with no data, and not before', () => {
    const p = parser();
    p.parser.feed('id: 1-0\ndata: a\n\nid: 2-0\n');
    expect(p.parser.lastEventId).toBe('1-0');
    p.parser.feed('\n');
    expect(p.parser.lastEventId).toBe('2-0');
    expect(p.events).toHaveLength(1);
  });

  it('treats a line without a colon as a field with an empty value', () => {
    expect(parseAll('data\ndata\n\n').events).toEqual([{ event: 'message', data: '\n', lastEventId: '' }]);
    expect(parseAll('event\ndata: x\n\n').events[0]?.event).toBe('message');
  });

  it('removes exactly one space after the colon', () => {
    expect(parseAll('data:x\n\ndata: x\n\ndata:  x\n\ndata:\tx\n\n').events.map((e) => e.data)).toEqual(['x', 'x', ' x', '\tx']);
    expect(parseAll('event:  spaced\ndata: x\n\n').events[0]?.event).toBe(' spaced');
  });

  it('keeps colons after the first one in the value', () => {
    expect(parseAll('data: a: b:c\n\n').events[0]?.data).toBe('a: b:c');
  });

  it('dispatches only on a blank line, never at the end of the input', () => {
    const p = parser();
    p.parser.feed('data: x\n');
    p.parser.feed('data: y');
    expect(p.events).toEqual([]);
    p.parser.feed('\n');
    expect(p.events).toEqual([]);
    p.parser.feed('\n');
    expect(p.events.map((e) => e.data)).toEqual(['x\ny']);
  });

  it('does not dispatch an event with no data, and forgets its type', () => {
    const { events } = parseAll('event: ghost\n\nevent: ghost\nid: 1-0\n\ndata: real\n\n');
    expect(events).toEqual([{ event: 'message', data: 'real', lastEventId: '1-0' }]);
  });

  it('ignores unknown fields and field names that differ only in case', () => {
    expect(parseAll('foo: bar\nData: no\nEVENT: no\ndata: yes\n\n').events).toEqual([{ event: 'message', data: 'yes', lastEventId: '' }]);
  });

  it('carries NUL and non-ASCII through data', () => {
    expect(parseAll('data: a\u0000b 寿司 🍣\n\n').events[0]?.data).toBe('a\u0000b 寿司 🍣');
  });
});

describe('SseParser property: encodeSseFrame then any chunking gives the data back', () => {
  // Characters that matter to the framing, mixed with arbitrary UTF-16 (lone surrogates included).
  const unit = fc.oneof(
    fc.constantFrom('\r', '\n', '\r\n', ':', ' ', '\uFEFF', '\u0000', 'data: ', 'id: '),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const text = fc.string({ unit, maxLength: 40 });
  const oneLine = fc.string({ unit: fc.oneof(fc.constantFrom(':', ' ', 'x', '\uFEFF'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 }).filter((s) => !/[\r\n\0]/.test(s));
  const frame = fc.record({ data: text, event: fc.option(oneLine, { nil: undefined }), id: fc.option(oneLine, { nil: undefined }), comment: fc.option(text, { nil: undefined }) });
  const chunked = (input: string, cuts: number[]) => {
    // Repeated cut points make empty chunks, which must not change anything either.
    const points = cuts.map((c) => c % (input.length + 1)).sort((a, b) => a - b);
    const chunks: string[] = [];
    let start = 0;
    for (const point of points) {
      chunks.push(input.slice(start, point));
      start = point;
    }
    chunks.push(input.slice(start));
    return chunks;
  };

  it('holds for sequences of frames', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
        const input = frames.map((f) => encodeSseFrame(f)).join('');
        const p = parseAll(...chunked(input, cuts));
        let lastEventId = '';
        const expected = frames.map((f) => {
          if (f.id !== undefined) lastEventId = f.id;
          return { event: f.event || 'message', data: normalized(f.data), lastEventId };
        });
        expect(p.events).toEqual(expected);
        expect(p.parser.lastEventId).toBe(lastEventId);
      }),
      { numRuns: 500 },
    );
  });
});
