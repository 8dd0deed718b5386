// A /24 for a test stack's network that no network of this Docker engine overlaps: the compose file pins nginx's
// address inside DISH_LIVE_NET.0/24, and two stacks on one subnet could not both start.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

interface Range {
  first: number;
  last: number;
}

function range(cidr: string): Range | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const base = m.slice(1, 5).reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(m[5]));
  const first = base - (base % size);
  return { first, last: first + size - 1 };
}

export async function freeSubnet(): Promise<{ DISH_LIVE_NET: string }> {
  const { stdout: ids } = await execFileAsync('docker', ['network', 'ls', '-q']);
  const { stdout } = await execFileAsync('docker', ['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids.split('\n').filter(Boolean)]);
  const taken = stdout.split(/\s+/).map(range).filter((r): r is Range => r !== undefined);
  for (let attempt = 0; attempt < 100; attempt++) {
    const prefix = `172.${randomInt(28, 32)}.${randomInt(0, 256)}`;
    const candidate = range(`${prefix}.0/24`)!;
    if (taken.every((t) => t.last < candidate.first || t.first > candidate.last)) {
      return { DISH_LIVE_NET: prefix };
    }
  }
  throw new Error(`no free /24 in 172.28.0.0/14 among the engine's networks: ${stdout.trim()}`);
}
