// The observability files checked without Docker: the Grafana dashboard finds its provisioned datasource and its
// provider's folder, and every metric a panel or a rule names is one a service exports or a rule records.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DASHBOARD, dashboardQueries } from './observability-panels.js';
import { root } from './observability-stack.js';

const read = (path: string) => readFileSync(join(root, path), 'utf8');
const grafana = (path: string) => parse(read(`deploy/grafana/${path}`)) as Record<string, unknown>;

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { datasource?: { uid: string } }[];
  gridPos: { x: number; w: number };
}

const rules = parse(read('deploy/prometheus/rules/dish-live.rules.yml')) as { groups: { rules: { record?: string; expr: string }[] }[] };
const ruleList = rules.groups.flatMap((g) => g.rules);

/** Names the services register (`name: '…'` in their metrics files), a histogram's series, and the recorded ones. */
function knownMetrics(): Set<string> {
  const files = ['packages/fanout/src/metrics.ts', 'services/dish/src/metrics.ts', 'services/notifier/src/metrics.ts'];
  const names = files.flatMap((f) => [...read(f).matchAll(/name: '([a-z_]+)'/g)].map((m) => m[1]!));
  return new Set([...names, ...names.flatMap((n) => [`${n}_bucket`, `${n}_sum`, `${n}_count`]), ...ruleList.flatMap((r) => r.record ?? [])]);
}

/** Metric names in a PromQL expression: those of this project's families (prom-client's own defaults aside). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(?:dish_[a-z_]+|notifier_[a-z_]+|http_[a-z_]+|(?:job|instance|notifier):[a-z_:0-9]+)/g)].map((m) => m[0]);
}

describe('observability files (no Docker needed)', () => {
  it('points every dashboard panel and query at the provisioned Prometheus datasource', () => {
    const source = grafana('provisioning/datasources/prometheus.yml') as { datasources: { uid: string; url: string }[] };
    const uid = source.datasources[0]!.uid;
    expect(source.datasources[0]!.url).toBe('http://prometheus:9090');
    const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels.filter((p) => p.type !== 'row');
    const elsewhere = panels.filter((p) => p.datasource?.uid !== uid || (p.targets ?? []).some((t) => t.datasource?.uid !== uid));
    expect(elsewhere.map((p) => p.title)).toEqual([]);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(panels.filter((p) => p.gridPos.x + p.gridPos.w > 24).map((p) => p.title)).toEqual([]);
  });

  it("loads the dashboard from the folder the Grafana override mounts, and provisioning from Grafana's own", () => {
    const provider = grafana('provisioning/dashboards/dish-live.yml') as { providers: { options: { path: string } }[] };
    const override = grafana('compose.grafana.yml') as { services: { grafana: { volumes: string[]; profiles: string[] } } };
    const mounts = override.services.grafana.volumes.map((v) => v.split(':'));
    expect(mounts).toContainEqual(['./deploy/grafana/dashboards', provider.providers[0]!.options.path, 'ro']);
    expect(mounts).toContainEqual(['./deploy/grafana/provisioning', '/etc/grafana/provisioning', 'ro']);
    expect(override.services.grafana.profiles).toEqual(['observability']);
  });

  it('names only metrics the services export or the rules record, in every panel and rule', () => {
    const known = knownMetrics();
    const exprs = [...dashboardQueries().map((q) => ({ where: q.panel, expr: q.expr })), ...ruleList.map((r) => ({ where: r.record ?? 'alert', expr: r.expr }))];
    const unknown = exprs.flatMap(({ where, expr }) => metricsIn(expr).filter((m) => !known.has(m)).map((m) => `${where}: ${m}`));
    expect(unknown).toEqual([]);
    // The check itself sees names: a dashboard without any would pass it vacuously.
    expect(exprs.flatMap((e) => metricsIn(e.expr)).length).toBeGreaterThan(30);
  });
});
