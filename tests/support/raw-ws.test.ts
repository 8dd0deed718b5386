import { describe, expect, it } from 'vitest';
import { encodeFrame, OPCODES, WsFrameParser } from './raw-ws.js';

/** A server frame as a server writes it: unmasked, with the shortest length encoding. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0, n]) : n < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65_536) {
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65_536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

function collect() {
  const texts: string[] = [];
  const pings: string[] = [];
  const closes: number[] = [];
  const parser = new WsFrameParser({
    onText: (buf, start, end) => texts.push(buf.toString('utf8', start, end)),
    onPing: (p) => pings.push(p.toString()),
    onClose: (code) => closes.push(code),
  });
  return { parser, texts, pings, closes };
}

describe('WsFrameParser', () => {
  const messages = ['{"type":"dish.updated"}', 'x'.repeat(300), 'é'.repeat(40_000), ''];
  const stream = Buffer.concat([
    ...messages.map((m) => serverFrame(OPCODES.text, Buffer.from(m))),
    serverFrame(0x9, Buffer.from('hi')),
    serverFrame(0x2, Buffer.from([1, 2, 3])),
    serverFrame(OPCODES.close, Buffer.from([0x0f, 0xa8])),
  ]);

  it('reads 7-bit, 16-bit and 64-bit lengths, pings and close codes, skipping binary frames', () => {
    const { parser, texts, pings, closes } = collect();
    parser.push(stream);
    expect(texts).toEqual(messages);
    expect(pings).toEqual(['hi']);
    expect(closes).toEqual([4008]);
  });

  it('gives the same messages however the stream is split, from one reused read buffer', () => {
    const scratch = Buffer.alloc(65_537);
    for (const size of [1, 2, 3, 7, 125, 1000, 65_537]) {
      const { parser, texts, closes } = collect();
      for (let i = 0; i < stream.length; i += size) {
        // As with `onread`: every read lands in the same buffer, overwritten by the next one.
        const n = stream.copy(scratch, 0, i, i + size);
        parser.push(scratch.subarray(0, n));
        scratch.fill(0x2a);
      }
      expect(texts, `chunks of ${size}`).toEqual(messages);
      expect(closes).toEqual([4008]);
    }
  });

  it('joins a fragmented text message', () => {
    const { parser, texts } = collect();
    parser.push(Buffer.concat([serverFrame(OPCODES.text, Buffer.from('{"a":'), false), serverFrame(0x9, Buffer.from('p')), serverFrame(0, Buffer.from('1}'))]));
    expect(texts).toEqual(['{"a":1}']);
  });
});

describe('encodeFrame', () => {
  it('masks the payload with the key it carries', () => {
    const frame = encodeFrame(OPCODES.text, Buffer.from('40'));
    expect(frame[0]).toBe(0x81);
    expect(frame[1]).toBe(0x80 | 2);
    const key = frame.subarray(2, 6);
    const payload = Buffer.from(frame.subarray(6).map((b, i) => b ^ key[i & 3]!));
    expect(payload.toString()).toBe('40');
  });
});
