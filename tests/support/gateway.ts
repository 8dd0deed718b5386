// A gateway as a real process for the tests that talk to it: where its clients connect, and what its /metrics say.
import { startService, type ServiceProcess } from './service-process.js';

export type GatewayKind = 'ws' | 'sse';

export interface Gateway extends ServiceProcess {
  kind: GatewayKind;
  /** Where clients connect: ws://127.0.0.1:<port>/ws or http://127.0.0.1:<port>/sse. */
  url: string;
}

/** Starts a gateway from source as a real process and resolves once it logs that it listens. */
export async function startGateway(kind: GatewayKind, env: Record<string, string>): Promise<Gateway> {
  const proc = await startService(`${kind}-gateway`, env, { timeoutMs: 20_000 });
  return { ...proc, kind, url: kind === 'ws' ? `ws://127.0.0.1:${proc.port}/ws` : `http://127.0.0.1:${proc.port}/sse` };
}

/** The sum of a metric's samples on a gateway's /metrics, optionally only those whose labels contain `match`. */
export async function metric(g: Gateway, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
