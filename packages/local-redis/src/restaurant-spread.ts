// Picks restaurant ids whose `{r:<rid>}` hash tags land on every primary of a cluster, for tests and the bench that must
// spread restaurants over all shards (the broker keeps every key of a restaurant under that tag).
import type { RedisClusterProcess } from './redis-cluster.js';

/**
 * `count` ids (`a`, `b`, … `z`, `a1`, …) dealt out over the primaries serving slots now, in slot order: id `i` lives on
 * primary `i % primaries`. Fails when the primaries cannot all be reached within the first thousand candidates.
 */
export async function restaurantsOnEveryPrimary(cluster: RedisClusterProcess, count: number): Promise<string[]> {
  const primaries = await cluster.primaries();
  const perPrimary = primaries.map(() => [] as string[]);
  const wanted = (i: number) => Math.floor(count / primaries.length) + (i < count % primaries.length ? 1 : 0);
  for (let n = 0; n < 1000 && perPrimary.some((ids, i) => ids.length < wanted(i)); n++) {
    const id = candidate(n);
    const slot = await cluster.slotOf(`{r:${id}}`);
    const owner = primaries.findIndex((p) => p.slots.some(([from, to]) => slot >= from && slot <= to));
    if (owner >= 0 && perPrimary[owner]!.length < wanted(owner)) perPrimary[owner]!.push(id);
  }
  if (perPrimary.some((ids, i) => ids.length < wanted(i))) {
    throw new Error(`no ${count} restaurant ids spread over ${primaries.length} primaries among the first 1000 candidates`);
  }
  return Array.from({ length: count }, (_, i) => perPrimary[i % primaries.length]![Math.floor(i / primaries.length)]!);
}

/** `a` … `z`, then `a1` … `z1`, …: short, valid restaurant ids (lower-case letters and digits). */
function candidate(n: number): string {
  const letter = String.fromCharCode(97 + (n % 26));
  const round = Math.floor(n / 26);
  return round === 0 ? letter : `${letter}${round}`;
}
