// The `observability` compose profile for real: promtool checks and unit-tests the rules inside the prom/prometheus
// image, then the stack runs with two replicas per gateway under load while every dashboard panel is queried.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerSuite } from '@dish-live/test-support';
import { registerRefusedWebhook, startLoad, type Load } from './observability-load.js';
import { activeTargets, dashboardQueries, emptyOrFailing, query, ruleStates } from './observability-panels.js';
import { bringUp, ensureImage, observedStack, REPLICAS, root, tearDown, type ObservedStack } from './observability-stack.js';

const execFileAsync = promisify(execFile);

const { skip, title, problem: noDocker } = await dockerSuite('observability profile');
// The image the compose file names, so the rules are checked by the Prometheus that will load them.
const image = /^\s+image:\s+(prom\/prometheus:\S+)/m.exec(readFileSync(join(root, 'docker-compose.yml'), 'utf8'))?.[1];

function promtool(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const mount = `${join(root, 'deploy/prometheus')}:/etc/prometheus:ro`;
  return execFileAsync('docker', ['run', '--rm', '-v', mount, '-w', '/etc/prometheus', '--entrypoint', '/bin/promtool', image!, ...args]);
}

/** Polls `probe` until it returns [] (nothing wrong); the last list found otherwise. For what no event announces. */
async function settle(probe: () => Promise<string[]>, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const problems = await probe().catch((err: Error) => [err.message]);
    if (problems.length === 0 || Date.now() > deadline) return problems;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

describe.skipIf(skip)(title, () => {
  let stack: ObservedStack | undefined;
  let load: Load | undefined;
  let failed = false;

  beforeAll(async () => {
    if (noDocker !== undefined) throw new Error(`CI=true and Docker does not answer (${noDocker}): run ../shared/docker-offline/prepare and eval its --env`);
    if (!image) throw new Error('docker-compose.yml names no prom/prometheus image');
    await ensureImage(image);
    stack = await observedStack();
    await bringUp(stack);
    await registerRefusedWebhook(`http://127.0.0.1:${stack.webPort}`);
    load = startLoad(stack.webPort);
  }, 20 * 60_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    await load?.stop().catch((err: Error) => console.log(`[observability] load ended with: ${err.message}`));
    if (stack) await tearDown(stack, failed);
  }, 120_000);

  it('passes promtool: the config and rules check, and every alert unit test fires and stays silent as written', async () => {
    const config = await promtool('check', 'config', 'prometheus.yml');
    expect(config.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const rules = await promtool('check', 'rules', 'rules/dish-live.rules.yml');
    expect(rules.stdout).toContain('SUCCESS');
    const tests = await promtool('test', 'rules', 'alerts.test.yml');
    expect(tests.stdout).toContain('SUCCESS');
  }, 120_000);

  it('scrapes the dish service, the notifier and every gateway replica through Docker DNS, all up', async () => {
    const expected = { dish: 1, notifier: 1, 'ws-gateway': REPLICAS, 'sse-gateway': REPLICAS };
    let last = '';
    const problems = await settle(async () => {
      const targets = await activeTargets(stack!.prometheusPort);
      const up: Record<string, number> = {};
      for (const t of targets) if (t.health === 'up') up[t.labels.job] = (up[t.labels.job] ?? 0) + 1;
      last = targets.map((t) => `${t.labels.job} ${t.labels.instance} ${t.health} ${t.lastError}`).join('\n');
      const wrong = Object.entries(expected).filter(([job, n]) => up[job] !== n);
      return wrong.length === 0 && targets.length === 6 ? [] : [`targets up ${JSON.stringify(up)} of ${targets.length}`];
    }, 90_000);
    expect(problems, last).toEqual([]);
  }, 120_000);

  it('answers every panel query of the Grafana dashboard with series while the stack is under load', async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThanOrEqual(20);
    // Rates over [1m] and [5m] need two scrapes of each series since the load began; conflation and refused webhook
    // attempts take a few seconds to show: bounded, then whatever is still empty or failing is the failure.
    const problems = await settle(() => emptyOrFailing(stack!.prometheusPort, queries), 120_000);
    expect(problems).toEqual([]);
    const port = stack!.prometheusPort;
    const total = async (expr: string) => Number((await query(port, expr))[0]?.value[1] ?? 0);
    const figures = {
      queries: queries.length,
      writes: load!.writes,
      deliveredPerSecond: await total('sum(instance:dish_live_events_delivered:rate1m)'),
      conflatedEvents: await total('sum(dish_live_conflated_events_total)'),
      alerts: await total('sum(notifier_alerts_total)'),
      refusedAttempts: await total('sum(notifier_deliveries_total{outcome=~"retrying|failed"})'),
    };
    console.log(`[observability] ${JSON.stringify(figures)}`);
    expect(figures.deliveredPerSecond, 'the followers are delivered events').toBeGreaterThan(0);
    expect(figures.alerts, 'the webhook got alerts').toBeGreaterThan(0);
    expect(figures.refusedAttempts, 'the refused receiver was attempted').toBeGreaterThan(0);
  }, 180_000);

  it('evaluates every rule without error; the Redis alert has its input, and only the refused webhook is pending', async () => {
    const port = stack!.prometheusPort;
    const rules = await ruleStates(port);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
    // What DishLiveRedisUnreachable reads: compose's healthcheck asks /readyz every 5 s.
    expect(await query(port, 'http_requests_total{job="dish", route="/readyz", status="200"}')).not.toEqual([]);
    // Every attempt is refused (ratio 1 > 0.5): pending through its `for: 10m`; nothing else is wrong.
    const states = await settle(async () => {
      const active = (await ruleStates(port)).filter((r) => r.type === 'alerting' && r.state !== 'inactive');
      const found = active.map((r) => `${r.name} ${r.state}`);
      return found.join() === 'DishLiveWebhookDeliveriesFailing pending' ? [] : found.length > 0 ? found : ['no alert pending yet'];
    }, 60_000);
    expect(states).toEqual([]);
  }, 120_000);
});
