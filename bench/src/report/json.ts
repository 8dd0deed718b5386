// Writes a run's results: bench/results/<timestamp>.json (the run as measured) and bench/results/latest.json (the
// latest picture: the run itself, or it completed by scenarios carried over from the one before).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../results.js';

/** A run's own file under bench/results/ (latest.json is a copy of the newest). */
export const resultsFileName = (run: Pick<RunResult, 'startedAt'>) => `${run.startedAt.replace(/[:.]/g, '-')}.json`;

export function writeResults(dir: string, run: RunResult, picture: RunResult = run): { file: string; latest: string } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, resultsFileName(run));
  const latest = join(dir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(latest, `${JSON.stringify(picture, null, 2)}\n`);
  return { file, latest };
}
