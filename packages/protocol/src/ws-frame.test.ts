import { describe, expect, it } from 'vitest';
import { decodeClientMessage, encodeWsMessage } from './ws-frame.js';
import type { ServerMessage } from './messages.js';

const errorCode = (frame: Parameters<typeof decodeClientMessage>[0], isBinary?: boolean) => {
  const result = decodeClientMessage(frame, isBinary);
  return result.ok ? 'ok' : result.error.code;
};
const bytes = (text: string) => new TextEncoder().encode(text);

describe('decodeClientMessage', () => {
  it('decodes hello with every option', () => {
    const hello = { op: 'hello', since: '1700000000000-1', maxRate: 30, categories: ['pizza'], token: 't' };
    expect(decodeClientMessage(JSON.stringify(hello))).toEqual({ ok: true, message: hello });
    expect(decodeClientMessage('{"op":"hello"}')).toEqual({ ok: true, message: { op: 'hello' } });
  });

  it('decodes ping with and without t', () => {
    expect(decodeClientMessage('{"op":"ping","t":123.5}')).toEqual({ ok: true, message: { op: 'ping', t: 123.5 } });
    expect(decodeClientMessage('{"op":"ping"}')).toEqual({ ok: true, message: { op: 'ping' } });
  });

  it('decodes chat, and text frames given as UTF-8 bytes or an ArrayBuffer', () => {
    const chat = { op: 'chat', author: 'Zoë', text: '<b>寿司</b> 🍣' };
    expect(decodeClientMessage(JSON.stringify(chat))).toEqual({ ok: true, message: chat });
    const encoded = bytes(JSON.stringify(chat));
    expect(decodeClientMessage(encoded)).toEqual({ ok: true, message: chat });
    expect(decodeClientMessage(encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength))).toEqual({
      ok: true,
      message: chat,
    });
  });

  it('answers an error message shaped for the wire', () => {
    const result = decodeClientMessage('{');
    expect(result).toEqual({ ok: false, error: { type: 'error', code: 'bad_json', message: expect.any(String) as string } });
  });

  it.each(['{', '', 'hello', "{'op':'ping'}", '{"op":"ping",}', 'undefined', 'NaN'])('answers bad_json to %j', (frame) => {
    expect(errorCode(frame)).toBe('bad_json');
  });

  it.each(['null', '[]', '[{"op":"ping"}]', '"ping"', '42', 'true'])('answers bad_message to the non-object %s', (frame) => {
    expect(errorCode(frame)).toBe('bad_message');
  });

  it.each(['{}', '{"op":"subscribe"}', '{"op":"PING"}', '{"op":1}', '{"op":null}', '{"op":"__proto__"}', '{"op":"toString"}'])(
    'answers unknown_op to %s',
    (frame) => expect(errorCode(frame)).toBe('unknown_op'),
  );

  it('answers bad_message to a binary frame, even one holding valid JSON', () => {
    expect(errorCode(bytes('{"op":"ping"}'), true)).toBe('bad_message');
  });

  it('answers bad_message to invalid UTF-8', () => {
    for (const invalid of [[0xff], [0x7b, 0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x7b, 0x22, 0x80, 0x22, 0x7d]]) {
      expect(errorCode(new Uint8Array(invalid)), JSON.stringify(invalid)).toBe('bad_message');
    }
  });

  it.each([
    ['ping with t as string', { op: 'ping', t: '1' }],
    ['hello with since as number', { op: 'hello', since: 1 }],
    ['hello with maxRate 0', { op: 'hello', maxRate: 0 }],
    ['hello with fractional maxRate', { op: 'hello', maxRate: 1.5 }],
    ['hello with categories as string', { op: 'hello', categories: 'pizza' }],
    ['hello with 51 categories', { op: 'hello', categories: Array.from({ length: 51 }, (_, i) => `c${i}`) }],
    ['hello with an unknown field', { op: 'hello', foo: 1 }],
    ['chat without author', { op: 'chat', text: 'hi' }],
    ['chat with text as number', { op: 'chat', author: 'a', text: 1 }],
    ['chat with text of 501', { op: 'chat', author: 'a', text: 'x'.repeat(501) }],
    ['chat with a control character', { op: 'chat', author: 'a', text: 'a\u001bb' }],
  ])('answers bad_message to %s, naming the field', (_label, message) => {
    const result = decodeClientMessage(JSON.stringify(message));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('bad_message');
  });

  it('names the offending field in the message', () => {
    const result = decodeClientMessage('{"op":"ping","t":"x"}');
    expect(result.ok ? '' : result.error.message).toMatch(/^t: /);
  });

  it('takes a since that is not a stream id, as it means a fresh snapshot rather than an error', () => {
    expect(decodeClientMessage(JSON.stringify({ op: 'hello', since: 'x'.repeat(100) })).ok).toBe(true);
  });
});

describe('encodeWsMessage', () => {
  it('encodes a server message as the same JSON a client parses back', () => {
    const message: ServerMessage = { type: 'pong', t: 1, serverTime: 2 };
    expect(JSON.parse(encodeWsMessage(message))).toEqual(message);
  });
});
