import { describe, expect, it } from 'vitest';
import * as protocol from '@dish-live/protocol';
import { CHAT_LIMITS, CLOSE_CODES, compareStreamIds, EVENT_TYPES, isEventType, isStreamId, RECENT_CHAT, ZERO_ID } from './wire.js';

describe('the zod-free wire values', () => {
  it('are the protocol package\'s own', () => {
    expect(ZERO_ID).toBe(protocol.ZERO_ID);
    expect([...EVENT_TYPES]).toEqual([...protocol.EVENT_TYPES]);
    expect(CLOSE_CODES).toEqual(protocol.CLOSE_CODES);
    expect(CHAT_LIMITS).toEqual({ author: protocol.LIMITS.chatAuthor.max, text: protocol.LIMITS.chatText.max });
    expect(RECENT_CHAT).toBe(protocol.LIMITS.recentChat);
  });

  it('validate and order stream ids as the protocol does', () => {
    const samples = ['0-0', '1-0', '1-1', '10-0', '9-99', '18446744073709551615-0', '18446744073709551616-0', '01-0', '1-', 'x', '', 7];
    for (const s of samples) expect(isStreamId(s), String(s)).toBe(protocol.isStreamId(s));
    const ids = samples.filter((s): s is string => protocol.isStreamId(s));
    for (const a of ids) for (const b of ids) expect(Math.sign(compareStreamIds(a, b))).toBe(Math.sign(protocol.compareStreamIds(a, b)));
    for (const t of [...protocol.EVENT_TYPES, 'snapshot', 1]) expect(isEventType(t)).toBe(protocol.isEventType(t));
  });
});
