// The hub's proof against a real Redis: digests on snapshot, resumed (from the ring and from Redis) and state equal the
// state the log held at their id, `check` follows events, and each digest is hashed once per group and id.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as protocol from '@dish-live/protocol';
import type { CheckMessage, ResumedMessage, ServerMessage, SnapshotMessage, StateMessage } from '@dish-live/protocol';
import type { EventLog } from '@dish-live/broker';
import { connect, eventsOf, hubTestbed, until } from './hub.test-helpers.js';

vi.mock('@dish-live/protocol', async (importOriginal) => {
  const actual = await importOriginal<typeof protocol>();
  return { ...actual, stateDigest: vi.fn(actual.stateDigest) };
});
const hashes = vi.mocked(protocol.stateDigest);

const bed = hubTestbed('fanout-proof');
const { startHub } = bed;
let log: EventLog;
beforeAll(() => {
  log = bed.log;
});

/** The digest of what a client of `categories` holds at the log's current id, as the contract defines it. */
async function recorded(categories?: string[]): Promise<{ id: string; digest: string }> {
  const { id, dishes } = await log.dishes();
  const kept = categories ? dishes.filter((d) => categories.includes(d.category)) : dishes;
  return { id, digest: protocol.stateDigest(kept) };
}

const ofType = <T extends ServerMessage['type']>(messages: ServerMessage[], type: T) =>
  messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);

/** Creates, updates, sales and a delete, with the digest each filter should see after each. */
async function busyHistory(tag: string): Promise<Map<string, Record<string, string>>> {
  const at = new Map<string, Record<string, string>>();
  const note = async () => {
    const all = await recorded();
    at.set(all.id, { all: all.digest, soup: (await recorded(['soup'])).digest, grill: (await recorded(['grill'])).digest });
  };
  await note();
  await log.createDish({ id: `${tag}1`, name: 'X', category: 'soup', price: 100, stock: 50 });
  await note();
  await log.applyOrder(`${tag}-o1`, [{ dishId: 'a', qty: 1 }, { dishId: 'c', qty: 2 }]);
  await note();
  await log.updateDish(`${tag}1`, { category: 'grill' });
  await note();
  await log.createDish({ id: `${tag}2`, name: 'Y', category: 'grill', price: 100, stock: 50 });
  await note();
  await log.deleteDish(`${tag}1`);
  await note();
  await log.updateDish('b', { price: 321 });
  await note();
  return at;
}

describe('proof digests', () => {
  it('a snapshot carries the digest of its dishes, per filter', async () => {
    const { hub } = await startHub();
    const all = connect(hub);
    const soup = connect(hub, { categories: ['soup'] });
    await until('snapshots', () => all.sink.frames.length > 0 && soup.sink.frames.length > 0);
    expect((all.sink.messages[0] as SnapshotMessage).digest).toBe((await recorded()).digest);
    expect((soup.sink.messages[0] as SnapshotMessage).digest).toBe((await recorded(['soup'])).digest);
  });

  for (const [where, ringSize] of [['the ring', 100], ['Redis', 2]] as const) {
    it(`resumes from ${where} with the digest of the state at since, with and without a filter`, async () => {
      const { hub } = await startHub({ ringSize, replayPageSize: 3 });
      const history = await busyHistory(`r${ringSize}-`);
      await hub.idle();
      for (const [since, digests] of history) {
        for (const [name, categories] of [['all', undefined], ['soup', ['soup']], ['grill', ['grill']]] as const) {
          const { sink } = connect(hub, { since, ...(categories ? { categories: [...categories] } : {}) });
          await until('a first message', () => sink.frames.length > 0);
          const first = sink.messages[0] as ResumedMessage;
          expect(first, `${name} from ${since}`).toMatchObject({ type: 'resumed', id: since, digest: digests[name] });
        }
      }
    });
  }

  it('answers a snapshot, not an unverifiable resume, when a delete before this process cannot be rolled back', async () => {
    const history = await busyHistory('late-');
    const { hub } = await startHub({ ringSize: 2 });
    const ids = [...history.keys()];
    // Before the delete (ids[5]): the deleted dish's version is in no event and this process never held it.
    const before = connect(hub, { since: ids[4]! });
    // After it: everything in between is a sale, an update or a create, whose before-image the event itself gives.
    const after = connect(hub, { since: ids[5]! });
    await until('first messages', () => before.sink.frames.length > 0 && after.sink.frames.length > 0);
    expect(before.sink.messages[0]).toMatchObject({ type: 'snapshot', recovered: false, digest: (await recorded()).digest });
    expect(after.sink.messages[0]).toMatchObject({ type: 'resumed', id: ids[5], digest: history.get(ids[5]!)!.all });
  });

  it('conflated clients get `state` with the digest of their group at its id', async () => {
    const { hub } = await startHub({ tickMs: 5 });
    const clients = [connect(hub, { maxRate: 2 }), connect(hub, { maxRate: 2, categories: ['soup'] })];
    await until('snapshots', () => clients.every((c) => c.sink.frames.length > 0));
    // Soup dishes only: both clients' last state covers the last event.
    await bed.change(5, ['a', 'b']);
    const after = [await recorded(), await recorded(['soup'])];
    for (const [i, { sink }] of clients.entries()) {
      const state = await until('a state at the end', () => ofType(sink.messages, 'state').find((s: StateMessage) => s.id === after[0]!.id));
      expect(state.digest).toBe(after[i]!.digest);
    }
  });

  it('hashes nothing on the per-event path: full-rate clients of several groups get 50 events and no digest is computed', async () => {
    const { hub } = await startHub({ checkMs: 60_000 });
    const clients = Array.from({ length: 12 }, (_, i) => connect(hub, [{}, { categories: ['soup'] }, { categories: ['grill'] }][i % 3]));
    await until('snapshots', () => clients.every((c) => c.sink.frames.length > 0));
    await hub.idle();
    hashes.mockClear();
    const written = await bed.change(50);
    await until('every event to the unfiltered clients', () => eventsOf(clients[0]!.sink).at(-1)?.id === written.at(-1));
    expect(hashes).not.toHaveBeenCalled();
  });

  it('sends `check` after events, one digest per group and round whatever the clients', async () => {
    const { hub, metrics } = await startHub({ checkMs: 200 });
    const clients = Array.from({ length: 20 }, (_, i) => connect(hub, i % 2 ? { categories: ['grill'] } : {}));
    await until('snapshots', () => clients.every((c) => c.sink.frames.length > 0));
    await new Promise((r) => setTimeout(r, 450));
    // Nothing happened since the snapshots: no check.
    for (const { sink } of clients) expect(ofType(sink.messages, 'check')).toEqual([]);
    await bed.change(3, ['c']);
    await hub.idle();
    const expected = [await recorded(), await recorded(['grill'])];
    hashes.mockClear();
    for (const [i, { sink }] of clients.entries()) {
      const check: CheckMessage = await until('a check', () => ofType(sink.messages, 'check')[0]);
      expect(check).toEqual({ type: 'check', id: expected[i % 2]!.id, digest: expected[i % 2]!.digest });
      expect(eventsOf(sink).at(-1)!.id).toBe(check.id);
    }
    // Two groups: two hashes, not twenty.
    expect(hashes.mock.calls.length).toBe(2);
    await new Promise((r) => setTimeout(r, 450));
    for (const { sink } of clients) expect(ofType(sink.messages, 'check')).toHaveLength(1);
    expect((await metrics.checks.get()).values.reduce((sum, v) => sum + v.value, 0)).toBe(20);
  });
});
