// What /healthz and /readyz answer, the same for every service: each server only writes the answer.

export interface ProbeAnswer {
  status: 200 | 503;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Alive: the process answers at all. */
export function healthAnswer(instance: string): ProbeAnswer {
  return { status: 200, headers: {}, body: { status: 'ok', instance } };
}

/** Seconds a balancer or client should wait before asking again while a dependency is away. */
export const RETRY_AFTER_SECONDS = 2;

/** Ready: every dependency answers; a 503 sends a balancer's new clients elsewhere. */
export function readyAnswer(ready: boolean, details: Record<string, unknown>): ProbeAnswer {
  return ready
    ? { status: 200, headers: {}, body: { ready, ...details } }
    : { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) }, body: { ready, ...details } };
}
