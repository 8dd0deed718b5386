// The Grafana dashboard's queries and Prometheus' HTTP API, read the way Grafana and an operator would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './observability-stack.js';

export interface PanelQuery {
  panel: string;
  expr: string;
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

export const DASHBOARD = join(root, 'deploy/grafana/dashboards/dish-live.json');

/** Every PromQL expression of every panel, rows' nested panels included. */
export function dashboardQueries(file = DASHBOARD): PanelQuery[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: Panel[] };
  const walk = (panels: Panel[]): PanelQuery[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).filter((t) => t.expr !== undefined).map((t) => ({ panel: p.title, expr: t.expr! })),
      ...walk(p.panels ?? []),
    ]);
  return walk(dashboard.panels);
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

async function api<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/${path}`);
  const body = (await res.json()) as ApiAnswer<T>;
  if (body.status !== 'success') throw new Error(`${path}: ${res.status} ${body.error ?? ''}`);
  return body.data;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query; throws with Prometheus' own message when the query does not parse or evaluate. */
export async function query(port: number, expr: string): Promise<Sample[]> {
  const data = await api<{ resultType: string; result: Sample[] | [number, string] }>(port, `query?query=${encodeURIComponent(expr)}`);
  // A scalar (e.g. a bare number) is one value, not a list of series.
  return data.resultType === 'scalar' ? [{ metric: {}, value: data.result as [number, string] }] : (data.result as Sample[]);
}

export interface Target {
  labels: { job: string; instance: string };
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export async function activeTargets(port: number): Promise<Target[]> {
  return (await api<{ activeTargets: Target[] }>(port, 'targets?state=active')).activeTargets;
}

export interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  type: 'recording' | 'alerting';
  state?: string;
}

export async function ruleStates(port: number): Promise<RuleState[]> {
  const data = await api<{ groups: { rules: RuleState[] }[] }>(port, 'rules');
  return data.groups.flatMap((g) => g.rules);
}

/** Each query that errors or returns no series (or only NaN), as "panel: expr: why". */
export async function emptyOrFailing(port: number, queries: PanelQuery[]): Promise<string[]> {
  const out: string[] = [];
  for (const { panel, expr } of queries) {
    const why = await query(port, expr).then(
      // NaN is what a quantile or ratio of nothing gives: a series, but a panel with no line to draw.
      (result) => (result.length === 0 ? 'no series' : result.every((s) => s.value[1] === 'NaN') ? 'only NaN' : undefined),
      (err: Error) => err.message,
    );
    if (why) out.push(`${panel}: ${expr}: ${why}`);
  }
  return out;
}
