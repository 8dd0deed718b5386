import { describe, expect, it } from 'vitest';
import type { ClientStats, DishClient, ResyncInfo } from '@dish-live/client';
import { ProofTally } from './proof-tally.js';

const client = (counts: Partial<ClientStats>) => ({ stats: () => ({ verified: 0, gaps: 0, resyncs: 0, ...counts }) }) as unknown as DishClient;

describe('ProofTally', () => {
  it('adds what replaced clients verified to the current one, and keeps the latest resync', () => {
    const tally = new ProofTally();
    expect(tally.view(undefined)).toEqual({ verified: 0, gaps: 0, resyncs: 0, lastResync: undefined });
    tally.retire(client({ verified: 100, gaps: 1, resyncs: 2 }));
    const info: ResyncInfo = { reason: 'gap', at: 1, from: '5-0', detail: 'lost', recovered: true, via: 'resumed', recoveredAt: 2 };
    tally.resync(info);
    expect(tally.view(client({ verified: 7 }))).toEqual({ verified: 107, gaps: 1, resyncs: 2, lastResync: info });
  });
});
