// Reads a V8 CPU profile (`node --cpu-prof`) into what a report can say: where a server's busy time went.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

/** The parts of the `.cpuprofile` format (Chrome DevTools protocol `Profiler.Profile`) this reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Node flags that make a process write CPU profiles into `dir` when it exits: one per thread (tsx's loader runs in
 * a worker of its own), so the directory is the process's alone and `readProfile` picks the main thread's.
 */
export function profileFlags(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export interface ProfileEntry {
  /** A function (name and place) or an area (package, node core, V8). */
  name: string;
  /** Percent of the busy (non-idle) sampled time spent in it, not in what it called. */
  selfPct: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  busyMs: number;
  /** Percent of the busy time in garbage collection (V8 attributes it to no JS function). */
  gcPct: number;
  /** Percent of the busy time in native code outside any JS function: libuv, the kernel's syscalls from it, uWS' loop. */
  programPct: number;
  top: ProfileEntry[];
  areas: ProfileEntry[];
}

/** The package or layer a script belongs to, from its URL. */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(program)') return 'native, outside JS (libuv, syscalls, addons)';
    return functionName ? `native: ${functionName}` : 'native';
  }
  if (url.startsWith('node:')) return 'node core';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1]!;
  const own = /\/(packages|services|bench)\/([^/]+)\//.exec(url);
  if (own) return own[1] === 'packages' ? `@dish-live/${own[2]}` : `${own[1]}/${own[2]}`;
  return url.replace(/^file:\/\//, '');
}

function place(frame: CallFrame): string {
  if (!frame.url) return frame.functionName;
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(packages|services|bench)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Self time per function and per area, as shares of the busy time; idle time is left out. */
export function summarizeProfile(profile: CpuProfile, file: string, topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<number, number>();
  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i: it belongs to what was running when sample i was taken.
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    sampled += dt;
  }
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let program = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id);
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    if (frame.functionName === '(garbage collector)') gc += us;
    if (frame.functionName === '(program)') program += us;
    const name = place(frame);
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busy = sampled - idle;
  const pct = (us: number) => (busy > 0 ? round1((us / busy) * 100) : 0);
  const ranked = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, selfPct: pct(us) }));
  return {
    file,
    sampledMs: Math.round(sampled / 1000),
    busyMs: Math.round(busy / 1000),
    gcPct: pct(gc),
    programPct: pct(program),
    top: ranked(functions, topN),
    areas: ranked(areas, 10),
  };
}

/**
 * Summarizes the main thread's profile among those a process wrote into `dir` (the busiest one: tsx's loader thread
 * idles); undefined when it wrote none (it was killed, not stopped).
 */
export function readProfile(dir: string, topN?: number): ProfileSummary | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  let best: ProfileSummary | undefined;
  for (const name of files) {
    const file = join(dir, name);
    const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, file, topN);
    if (!best || summary.busyMs > best.busyMs) best = summary;
  }
  return best;
}

/** One line for the terminal: GC, native and the three biggest areas and functions. */
export function profileLine(label: string, p: ProfileSummary): string {
  const list = (entries: ProfileEntry[]) => entries.slice(0, 3).map((e) => `${e.name} ${e.selfPct}%`).join(', ');
  return `profile ${label}: busy ${p.busyMs} ms of ${p.sampledMs}; GC ${p.gcPct}%, native ${p.programPct}%; areas: ${list(p.areas)}; functions: ${list(p.top)}`;
}
