import { describe, expect, it } from 'vitest';
import { parsePerfCounts } from './syscalls.js';
import { parseStat } from './proc-usage.js';

describe('parsePerfCounts', () => {
  it('sums the write tracepoints, a tracepoint that never fired as zero', () => {
    const csv = [
      '',
      '120,,syscalls:sys_enter_write,1000,100.00,,',
      '<not counted>,,syscalls:sys_enter_writev,1000,100.00,,',
      '30000,,syscalls:sys_enter_sendto,1000,100.00,,',
      '5,,syscalls:sys_enter_sendmsg,1000,100.00,,',
    ].join('\n');
    expect(parsePerfCounts(csv)).toBe(30_125);
  });

  it('is unknown when perf could not open a tracepoint or printed no counts', () => {
    expect(parsePerfCounts('<not supported>,,syscalls:sys_enter_write,0,0,,\n1,,syscalls:sys_enter_writev,1,1,,\n1,,syscalls:sys_enter_sendto,1,1,,\n1,,syscalls:sys_enter_sendmsg,1,1,,')).toBeNull();
    expect(parsePerfCounts('')).toBeNull();
    expect(parsePerfCounts('Error: No permissions')).toBeNull();
  });
});

describe('parseStat', () => {
  it('reads utime and stime after a command name with spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 100 0 0';
    expect(parseStat(stat)).toEqual({ userSec: 2.5, sysSec: 0.75 });
  });
});
