// What /healthz and /readyz answer, the same for every transport: each adapter only writes the answer.
import type { Hub } from './hub.js';

export interface ProbeAnswer {
  status: 200 | 503;
  body: Record<string, unknown>;
}

/** Alive: the process answers at all. */
export function healthAnswer(hub: Hub): ProbeAnswer {
  return { status: 200, body: { status: 'ok', instance: hub.instance } };
}

/** Ready: the feed is live and the command connection up; a 503 sends a balancer's new clients elsewhere. */
export function readyAnswer(hub: Hub): ProbeAnswer {
  const ready = hub.ready;
  return { status: ready ? 200 : 503, body: { ready, instance: hub.instance, lastId: hub.lastId } };
}
