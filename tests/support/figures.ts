// Reliability figures the fault, bad-input and gateway tests count, one JSON line per record, summed by the figures reporter.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figures {
  /** Faults a test caused on purpose: a Redis outage, a killed process, a cut connection. */
  faultsInjected: number;
  /** Events written to the log while the test watched. */
  eventsWritten: number;
  /** Events (or accepted orders) that should have arrived or been applied and were not. */
  eventsLost: number;
  /** Events delivered twice, or orders applied twice. */
  duplicates: number;
  /** Malformed or hostile requests or messages sent. */
  badInputsTried: number;
  /** 5xx answers nobody designed: a 503 with Retry-After while Redis is away is designed; a 500 never is. */
  fiveXxSeen: number;
  /** Processes that died without being told to. */
  crashes: number;
  /** Client connections held open at once. */
  connectionsHeld: number;
  /** Resident memory per held connection, in bytes. */
  rssPerConnectionBytes: number;
  /** Alerts (one per alert and webhook) the stock changes of a test implied. */
  alertsMade: number;
  /** Of those, the ones a webhook receiver accepted (2xx), each webhook-id counted once. */
  alertsDelivered: number;
  /** Delivery attempts after the first of their alert (500s, timeouts, a receiver down). */
  alertsRetried: number;
  /** Alerts that should have reached a receiver and did not (or ended failed while the receiver was up). */
  alertsLost: number;
}

export const FIGURE_NAMES = [
  'faultsInjected', 'eventsWritten', 'eventsLost', 'duplicates', 'badInputsTried',
  'fiveXxSeen', 'crashes', 'connectionsHeld', 'rssPerConnectionBytes',
  'alertsMade', 'alertsDelivered', 'alertsRetried', 'alertsLost',
] as const satisfies readonly (keyof Figures)[];

/** Where records go; the folder ignores itself in git (it writes its own .gitignore). */
export const FIGURES_DIR = fileURLToPath(new URL('../.figures/', import.meta.url));
/**
 * Set by the figures reporter for the run it reports on (test workers inherit it): records of one run share one
 * file, `<run>.jsonl`, so runs side by side (two engineers, two terminals) never mix. Without it: `run.jsonl`.
 */
export const FIGURES_RUN_ENV = 'DISH_FIGURES_RUN';

const runFile = (run: string) => join(FIGURES_DIR, `${run.replace(/[^\w.-]/g, '_')}.jsonl`);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface FigureRecord extends Partial<Figures> {
  /** The test file (or other source) the figures come from, relative to the repository. */
  source: string;
  at: string;
}

function ensureDir(): void {
  if (!existsSync(FIGURES_DIR)) mkdirSync(FIGURES_DIR, { recursive: true });
  const ignore = join(FIGURES_DIR, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
}

/**
 * Appends one record to `tests/.figures/<run>.jsonl`. `file` names where the figures come from: pass
 * `import.meta.url` (or a path). One line per call: a single short append, so records from test files running in
 * parallel processes do not interleave.
 */
export function recordFigures(file: string, figures: Partial<Figures>): void {
  for (const [name, value] of Object.entries(figures)) {
    if (!(FIGURE_NAMES as readonly string[]).includes(name)) throw new TypeError(`unknown figure ${name}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`figure ${name} must be a number ≥ 0, not ${String(value)}`);
  }
  ensureDir();
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  const record: FigureRecord = { source: relative(ROOT, path) || path, at: new Date().toISOString(), ...figures };
  appendFileSync(runFile(process.env[FIGURES_RUN_ENV] ?? 'run'), `${JSON.stringify(record)}\n`);
}

/**
 * Starts a run's file afresh and removes record files older than `maxAgeMs` (earlier runs), leaving files a run
 * going on beside this one still writes.
 */
export function startFigures(run: string, maxAgeMs = 3600_000): void {
  ensureDir();
  const now = Date.now();
  for (const name of readdirSync(FIGURES_DIR).filter((n) => n.endsWith('.jsonl'))) {
    const path = join(FIGURES_DIR, name);
    if (now - statSync(path).mtimeMs > maxAgeMs) rmSync(path, { force: true });
  }
  rmSync(runFile(run), { force: true });
}

/** The records of one run; a line that does not parse is reported, not skipped silently. */
export function readFigures(run: string): { records: FigureRecord[]; unreadable: string[] } {
  const records: FigureRecord[] = [];
  const unreadable: string[] = [];
  const path = runFile(run);
  if (!existsSync(path)) return { records, unreadable };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as FigureRecord);
    } catch {
      unreadable.push(`${basename(path)}: ${line.slice(0, 80)}`);
    }
  }
  return { records, unreadable };
}

/**
 * The run's totals: counts add up; RSS per connection is the worst (largest) any test measured, since memory per
 * connection is a ratio, not a count.
 */
export function sumFigures(records: readonly Partial<Figures>[]): Figures {
  const total: Figures = {
    faultsInjected: 0, eventsWritten: 0, eventsLost: 0, duplicates: 0, badInputsTried: 0,
    fiveXxSeen: 0, crashes: 0, connectionsHeld: 0, rssPerConnectionBytes: 0,
    alertsMade: 0, alertsDelivered: 0, alertsRetried: 0, alertsLost: 0,
  };
  for (const r of records) {
    for (const name of FIGURE_NAMES) {
      const value = r[name];
      if (typeof value !== 'number') continue;
      if (name === 'rssPerConnectionBytes') total[name] = Math.max(total[name], value);
      else total[name] += value;
    }
  }
  return total;
}

/** The one-line summary, then one line per source. */
export function formatFigures(records: readonly FigureRecord[]): string {
  const line = (f: Figures) =>
    `faults injected ${f.faultsInjected}, events written ${f.eventsWritten}, lost ${f.eventsLost}, ` +
    `duplicates ${f.duplicates}, bad inputs tried ${f.badInputsTried}, 5xx ${f.fiveXxSeen}, crashes ${f.crashes}, ` +
    `connections held ${f.connectionsHeld}, RSS/conn ${(f.rssPerConnectionBytes / 1024).toFixed(1)} KB, ` +
    `alerts made ${f.alertsMade}, delivered ${f.alertsDelivered}, retried ${f.alertsRetried}, lost ${f.alertsLost}`;
  const bySource = new Map<string, FigureRecord[]>();
  for (const r of records) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
  const width = Math.max(...[...bySource.keys()].map((s) => s.length));
  const rows = [...bySource].map(([source, rs]) => `  ${source.padEnd(width)}  ${line(sumFigures(rs))}`);
  return [`Reliability report: ${line(sumFigures(records))}`, ...rows].join('\n');
}
