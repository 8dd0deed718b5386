import { describe, expect, it } from 'vitest';
import type { ResyncInfo } from '@dish-live/client';
import { translator } from './i18n.js';
import { proofSummary, resyncNotice } from './proof-words.js';

const proof = (verified: number, gaps: number) => ({ verified, gaps, resyncs: gaps, lastResync: undefined });

describe('the proof in words', () => {
  it('says how many events were verified and how many gaps, in English and in Chinese', () => {
    expect(proofSummary(translator('en'), 'en', proof(12_408, 0))).toBe('12,408 events verified · 0 gaps');
    expect(proofSummary(translator('en'), 'en', proof(1, 1))).toBe('1 event verified · 1 gap');
    expect(proofSummary(translator('zh'), 'zh', proof(12_408, 2))).toBe('已验证 12,408 个事件 · 2 处缺口');
  });

  it('says what a resync was, when, and whether it recovered', () => {
    const at = new Date(2026, 11, 3, 12, 3, 4).getTime();
    const started: ResyncInfo = { reason: 'gap', at, from: '5-0', detail: '', recovered: false };
    expect(resyncNotice(translator('en'), 'en', started)).toBe('Resynchronising since 12:03:04: a gap in the chain of events');
    const done: ResyncInfo = { ...started, reason: 'digest', recovered: true, via: 'snapshot', recoveredAt: at + 20 };
    expect(resyncNotice(translator('en'), 'en', done)).toBe('Resynchronised at 12:03:04 after a state check that disagreed: recovered, full reload');
    expect(resyncNotice(translator('zh'), 'zh', { ...started, recovered: true, via: 'resumed' })).toBe('12:03:04 因事件链出现缺口重新同步：已恢复，已补发缺失的事件');
  });
});
