// A vitest reporter that gives each run a figures file of its own and ends the run with the reliability report.
import { randomBytes } from 'node:crypto';
import type { Reporter, Vitest } from 'vitest/node';
import { FIGURES_RUN_ENV, formatFigures, readFigures, startFigures } from './figures.js';

export default class FiguresReporter implements Reporter {
  #log: (text: string) => void = (text) => console.log(text);
  #run = '';

  onInit(vitest: Vitest): void {
    this.#log = (text) => vitest.logger.log(text);
    this.#fresh();
  }

  onWatcherRerun(): void {
    this.#fresh();
  }

  onTestRunEnd(): void {
    const { records, unreadable } = readFigures(this.#run);
    if (records.length === 0 && unreadable.length === 0) return;
    this.#log(`\n${formatFigures(records)}`);
    for (const line of unreadable) this.#log(`  (unreadable figures line: ${line})`);
  }

  /** Test workers are started after this and inherit the run id from the environment. */
  #fresh(): void {
    this.#run = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    process.env[FIGURES_RUN_ENV] = this.#run;
    startFigures(this.#run);
  }
}
