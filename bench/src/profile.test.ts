import { describe, expect, it } from 'vitest';
import { areaOf, summarizeProfile, type CpuProfile } from './profile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summarizeProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('(garbage collector)') },
      { id: 4, callFrame: frame('publish', 'file:///r/packages/fanout/src/core.js', 9) },
      { id: 5, callFrame: frame('write', 'node:internal/streams/writable', 1) },
      { id: 6, callFrame: frame('(program)') },
    ],
    // 1 ms each, except the idle sample, which is 6 ms.
    samples: [2, 3, 4, 4, 4, 5, 6],
    timeDeltas: [6000, 1000, 1000, 1000, 1000, 1000, 1000],
  };

  it('shares self time out of the busy time, leaving idle out', () => {
    const s = summarizeProfile(profile, 'p.cpuprofile');
    expect(s.sampledMs).toBe(12);
    expect(s.busyMs).toBe(6);
    expect(s.gcPct).toBe(16.7);
    expect(s.programPct).toBe(16.7);
    expect(s.top[0]).toEqual({ name: 'publish packages/fanout/src/core.js:10', selfPct: 50 });
    expect(s.areas.map((a) => a.name)).toEqual([
      '@dish-live/fanout',
      'V8 garbage collector',
      'node core',
      'native, outside JS (libuv, syscalls, addons)',
    ]);
  });

  it('names areas by package', () => {
    expect(areaOf('file:///w/node_modules/@socket.io/redis-adapter/dist/index.js', 'f')).toBe('@socket.io/redis-adapter');
    expect(areaOf('file:///w/node_modules/ws/lib/sender.js', 'f')).toBe('ws');
    expect(areaOf('file:///w/services/sse-gateway/dist/sse.js', 'f')).toBe('services/sse-gateway');
    expect(areaOf('', '(program)')).toMatch(/native/);
  });
});
