// Loads the Lua scripts of ../lua (each with lib.lua prepended) onto an ioredis client with defineCommand.
import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis-client.js';

const luaFile = (name: string) => readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), 'utf8');

const SCRIPTS = {
  dishLiveWriteDish: { file: 'write-dish', numberOfKeys: 7 },
  dishLiveApplyOrder: { file: 'apply-order' },
  dishLiveAppendEvent: { file: 'append-event', numberOfKeys: 6 },
  dishLiveReadSnapshot: { file: 'read-snapshot' },
  dishLiveReadDishes: { file: 'read-dishes' },
  dishLiveRateLimit: { file: 'rate-limit' },
  dishLiveConfirm: { file: 'confirm', numberOfKeys: 2 },
  dishLiveSeedHistory: { file: 'seed-history' },
} as const;

type Reply = string | number | null | Reply[];
export type ScriptName = keyof typeof SCRIPTS;
type Scripts<R> = Record<ScriptName, (...args: (string | number)[]) => R>;
export type ScriptClient = RedisClient & Scripts<Promise<Reply>>;
/** A pipeline carries the scripts too (ioredis defines them on it). */
export type ScriptPipeline = ChainableCommander & Scripts<unknown>;

let sources: Record<ScriptName, string> | undefined;

export function defineScripts(redis: RedisClient): ScriptClient {
  sources ??= Object.fromEntries(
    Object.entries(SCRIPTS).map(([name, { file }]) => [name, `${luaFile('lib')}\n${luaFile(file)}`]),
  ) as Record<ScriptName, string>;
  const client = redis as ScriptClient;
  for (const [name, spec] of Object.entries(SCRIPTS) as [ScriptName, (typeof SCRIPTS)[ScriptName]][]) {
    if (typeof client[name] === 'function') continue;
    // A script without a fixed key count takes it as its first argument (one key per dish or bucket it touches).
    redis.defineCommand(name, 'numberOfKeys' in spec ? { lua: sources[name], numberOfKeys: spec.numberOfKeys } : { lua: sources[name] });
  }
  return client;
}

export type { Reply };
