// The compose stack with the `observability` profile, under a project name of its own, for tests/deploy/observability.test.ts.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freeSubnet } from '../compose/free-subnet.js';

const execFileAsync = promisify(execFile);
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const OBS_TOKEN = 'observability-test-token';
/** Gateway replicas per kind: more than one, so the test proves every replica is found through Docker's DNS. */
export const REPLICAS = 2;

export interface ObservedStack {
  project: string;
  env: Record<string, string>;
  compose(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Host ports, known once `up` returned. */
  webPort: number;
  prometheusPort: number;
}

export async function observedStack(): Promise<ObservedStack> {
  const project = `dish-live-obs-${randomBytes(4).toString('hex')}`;
  const env = {
    // Port 0: Docker picks free host ports, so this never collides with a stack the developer runs.
    WEB_PORT: '0',
    PROMETHEUS_PORT: '0',
    SIM_RATE: '10',
    DISH_API_TOKENS: OBS_TOKEN,
    // The test's own writes come from one address: budgets it cannot exhaust.
    WRITE_RATE_BURST: '100000',
    WRITE_RATE_PER_SEC: '10000',
    // A webhook to a port of the Prometheus container that nobody listens on: every attempt is refused, so the
    // notifier's retrying and failed outcomes have something to count, quickly.
    WEBHOOK_ALLOW_HOSTS: 'prometheus:9',
    WEBHOOK_MAX_ATTEMPTS: '2',
    WEBHOOK_BACKOFF_MS: '200',
    WEBHOOK_TIMEOUT_MS: '2000',
    ...(await freeSubnet()),
  };
  const compose = (...args: string[]) =>
    execFileAsync('docker', ['compose', '-p', project, '-f', 'docker-compose.yml', '--profile', 'observability', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  return { project, env, compose, webPort: 0, prometheusPort: 0 };
}

/**
 * Makes sure the engine holds `image`: pulled where a registry answers, else built by the offline tool beside the
 * project (CI skips that tool when an engine already answers, which may predate the compose file naming this image).
 */
export async function ensureImage(image: string): Promise<void> {
  if (await execFileAsync('docker', ['image', 'inspect', image]).then(() => true, () => false)) return;
  if (await execFileAsync('docker', ['pull', image]).then(() => true, () => false)) return;
  const offline = join(root, '../shared/docker-offline/prepare');
  if (!existsSync(offline)) throw new Error(`${image} is neither local nor pullable, and ${offline} is missing`);
  await execFileAsync(offline, [image], { cwd: root }).catch((err: Error) => {
    throw failure(`${offline} ${image}`, err);
  });
}

function failure(what: string, err: Error & { stdout?: string; stderr?: string }): Error {
  const output = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.trim().split('\n').slice(-60).join('\n');
  return new Error(`${what} failed:\n${output || err.message}`);
}

async function hostPort(stack: ObservedStack, service: string, port: number): Promise<number> {
  const { stdout } = await stack.compose('port', service, String(port));
  const found = /:(\d+)\s*$/.exec(stdout.trim());
  if (!found) throw new Error(`no host port for ${service}:${port} (${stdout.trim()})`);
  return Number(found[1]);
}

/** Builds (a failing build reports its compiler output), starts with two replicas per gateway, waits for health. */
export async function bringUp(stack: ObservedStack): Promise<void> {
  await stack.compose('build').catch((err: Error) => {
    throw failure('docker compose build', err);
  });
  const scale = ['--scale', `ws-gateway=${REPLICAS}`, '--scale', `sse-gateway=${REPLICAS}`];
  await stack.compose('up', '-d', '--wait', ...scale).catch((err: Error) => {
    throw failure('docker compose up --wait', err);
  });
  stack.webPort = await hostPort(stack, 'web', 8080);
  stack.prometheusPort = await hostPort(stack, 'prometheus', 9090);
}

/** Leaves no container, network, volume or per-project image behind; prints the logs first when something failed. */
export async function tearDown(stack: ObservedStack, failed: boolean): Promise<void> {
  if (failed) {
    const logs = await stack.compose('logs', '--no-color', '--tail', '30').catch((err: Error) => ({ stdout: err.message }));
    console.log(`[observability] last log lines of ${stack.project}:\n${logs.stdout}`);
  }
  await stack.compose('down', '-v', '--remove-orphans', '--rmi', 'local', '--timeout', '5').catch((err: Error) => {
    console.log(`[observability] down of ${stack.project} failed: ${err.message}`);
  });
}
