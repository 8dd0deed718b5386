// A run of some scenarios only (`--scenario restaurants`) completes the latest picture rather than replacing it: the
// scenarios it did not measure are carried over from the run before, each marked with the run it came from, so
// bench/results/latest.json and docs/BENCHMARKS.md stay whole and never mix runs without saying so.
import { SCENARIOS, type ScenarioName } from '../scenarios/context.js';
import type { RunResult } from '../results.js';
import { summarizeRun } from './summary.js';

const scenariosOf = (run: RunResult): ScenarioName[] => (run.options as { scenarios?: ScenarioName[] }).scenarios ?? [];

/**
 * `newer` with every scenario it did not measure taken from `older` (results and options; its summary recomputed over
 * all of them). Only between runs of the same mode: quick figures never stand beside full ones.
 */
export function carryOver(older: RunResult | undefined, newer: RunResult): RunResult {
  if (!older || older.quick !== newer.quick) return newer;
  const measured = scenariosOf(newer);
  const carried = SCENARIOS.filter((s) => !measured.includes(s) && scenariosOf(older).includes(s));
  if (carried.length === 0) return newer;
  const merged: Record<string, unknown> = { ...newer };
  const options: Record<string, unknown> = { ...newer.options, scenarios: SCENARIOS.filter((s) => measured.includes(s) || carried.includes(s)) };
  const from: Partial<Record<ScenarioName, string>> = {};
  for (const s of carried) {
    merged[s] = older[s];
    options[s] = older.options[s];
    from[s] = older.carried?.[s] ?? older.startedAt;
  }
  const run = { ...(merged as unknown as RunResult), options, carried: from };
  return { ...run, summary: summarizeRun(run) };
}

/** The runs the carried scenarios came from, each with its scenarios: "fanout, memory from the run of …". */
export function carriedLine(run: RunResult): string | undefined {
  const byRun = new Map<string, ScenarioName[]>();
  for (const [scenario, startedAt] of Object.entries(run.carried ?? {}) as [ScenarioName, string][]) {
    byRun.set(startedAt, [...(byRun.get(startedAt) ?? []), scenario]);
  }
  if (byRun.size === 0) return undefined;
  return [...byRun].map(([startedAt, scenarios]) => `${scenarios.join(', ')} from the run of ${startedAt}`).join('; ');
}

/** The report's sentence on it: what this run measured and where the other sections came from; '' for a whole run. */
export function carriedNote(run: RunResult): string {
  const line = carriedLine(run);
  if (!line) return '';
  const measured = scenariosOf(run).filter((s) => run.carried?.[s] === undefined);
  return `This run measured ${measured.join(', ')}; the other sections are carried over unchanged: ${line}.`;
}
