// Writes a run's results: bench/results/<timestamp>.json and bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../results.js';

/** A run's own file under bench/results/ (latest.json is a copy of the newest). */
export const resultsFileName = (run: Pick<RunResult, 'startedAt'>) => `${run.startedAt.replace(/[:.]/g, '-')}.json`;

export function writeResults(dir: string, run: RunResult): { file: string; latest: string } {
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(run, null, 2)}\n`;
  const file = join(dir, resultsFileName(run));
  const latest = join(dir, 'latest.json');
  writeFileSync(file, json);
  writeFileSync(latest, json);
  return { file, latest };
}
