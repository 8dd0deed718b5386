// A steady write load through the stack's nginx, as the dashboard's write token would send it: price changes of the
// default restaurant's dishes at a fixed rate, kept to pace whatever each answer's latency, every answer counted.

export interface WriteLoad {
  /** Stops issuing, waits for the writes in flight, returns the answers by status. */
  stop(): Promise<Record<number, number>>;
  readonly sent: number;
}

/** Starts `perSecond` PATCHes a second to `base`/api/dishes/{id}, at most `maxInFlight` at once. */
export async function startWriteLoad(base: string, token: string, perSecond: number, maxInFlight = 200): Promise<WriteLoad> {
  const dishes = (await (await fetch(`${base}/api/dishes`)).json()) as { id: string; price: number }[];
  if (dishes.length === 0) throw new Error('no dish to write to');
  const statuses: Record<number, number> = {};
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let sent = 0;
  let stopped = false;

  const write = (n: number) => {
    const dish = dishes[n % dishes.length]!;
    const p = fetch(`${base}/api/dishes/${encodeURIComponent(dish.id)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // A price of its own per write, so that every write is a change and makes exactly one event.
      body: JSON.stringify({ price: 100 + (n % 5000) }),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      })
      .catch(() => {
        statuses[0] = (statuses[0] ?? 0) + 1;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  // Catches up on each tick to where the rate says it should be, so timer jitter does not lower the rate.
  const timer = setInterval(() => {
    if (stopped) return;
    const due = Math.floor(((Date.now() - started) * perSecond) / 1000);
    while (sent < due && inFlight.size < maxInFlight) write(sent++);
  }, 20);

  return {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return statuses;
    },
  };
}
