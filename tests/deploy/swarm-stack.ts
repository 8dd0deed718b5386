// A Dish Live stack on this engine's Swarm for a test: joins a single-node swarm if the engine is in none, deploys
// deploy/swarm/stack.yml under a name of its own, watches its services, and removes exactly what it made.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `docker …`, its output; a failure names the command and carries its stderr. */
export async function docker(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync('docker', args, { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`docker ${args.slice(0, 4).join(' ')} failed:\n${output}`);
  }
}

/** A TCP port free on this host right now: the kernel's pick for port 0 (host-mode ports cannot ask Docker for one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns true; for states Swarm announces no event for. Returns the time it took. */
export async function eventually(probe: () => Promise<boolean>, ms: number, what: string | (() => Promise<string>)): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await probe().catch(() => false)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${typeof what === 'string' ? what : await what()} not within ${ms} ms`);
}

export class SwarmStack {
  /** Whether this test made the engine a swarm (and so must leave it), and whether docker_gwbridge was new. */
  #joined = false;
  #gwbridgeBefore = true;

  /** `images`: the prefix `docker compose -p <images> build` gave the five images. */
  constructor(
    readonly name: string,
    readonly images: string,
    readonly env: Record<string, string>,
  ) {}

  service(short: string): string {
    return `${this.name}_${short}`;
  }

  async joinSwarm(): Promise<void> {
    const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
    if (state === 'active') return;
    if (state !== 'inactive') throw new Error(`the engine's swarm state is ${state}: neither a swarm nor free to start one`);
    this.#gwbridgeBefore = (await docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$'])).trim() !== '';
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    this.#joined = true;
  }

  /** Builds the images with compose (the stack uses the very images `docker compose build` makes), then deploys. */
  async deploy(): Promise<void> {
    await docker(['compose', '-p', this.images, '-f', 'docker-compose.yml', 'build']);
    await docker(['stack', 'deploy', '-c', 'deploy/swarm/stack.yml', this.name], { ...this.env, DISH_LIVE_IMAGES: this.images });
  }

  /** `<service> <running>/<desired>` of every service; a task counts as running only once its healthcheck passed. */
  async replicas(): Promise<Map<string, string>> {
    const out = await docker(['service', 'ls', '--filter', `label=com.docker.stack.namespace=${this.name}`, '--format', '{{.Name}} {{.Replicas}}']);
    return new Map(out.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]).map(([n, r]) => [n.slice(this.name.length + 1), r]));
  }

  /** Every service has as many healthy tasks as it wants, and at least `want[service]` where given. */
  async allReady(want: Record<string, number> = {}): Promise<boolean> {
    const all = await this.replicas();
    return [...all].every(([service, r]) => {
      const [running, desired] = r.split('/').map(Number) as [number, number];
      return running === desired && desired >= (want[service] ?? 1);
    });
  }

  async waitReady(ms: number, want: Record<string, number> = {}): Promise<number> {
    return eventually(() => this.allReady(want), ms, async () => `every service ready (${[...(await this.replicas())].map(([s, r]) => `${s} ${r}`).join(', ')})`);
  }

  /** Containers of a service's running tasks (their short ids are the gateways' instance prefixes). */
  async containers(short: string): Promise<string[]> {
    const out = await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${this.service(short)}`]);
    return out.trim().split('\n').filter(Boolean).sort();
  }

  async updateState(short: string): Promise<string> {
    return (await docker(['service', 'inspect', '--format', '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}', this.service(short)])).trim();
  }

  /**
   * `docker service update --force`, a rolling restart, waited for until UpdateStatus says completed: the command
   * itself says "converged" before the update has finished on this engine. A rollback or pause fails it.
   */
  async rollingRestart(short: string, ms: number): Promise<number> {
    const start = Date.now();
    await docker(['service', 'update', '--force', '--detach', this.service(short)]);
    await eventually(
      async () => {
        const state = await this.updateState(short);
        if (/rollback|paused/.test(state)) throw new Error(`${short}: update ${state}`);
        return state === 'completed';
      },
      ms,
      async () => `${short}'s rolling restart completed (state ${await this.updateState(short)})`,
    );
    return Date.now() - start;
  }

  /** Last log lines of every service, for a failure message. */
  async logs(): Promise<string> {
    const services = [...(await this.replicas()).keys()];
    const parts = await Promise.all(
      services.map(async (s) => `--- ${s}\n${await docker(['service', 'logs', '--no-task-ids', '--tail', '15', this.service(s)]).catch((e: Error) => e.message)}`),
    );
    return parts.join('\n');
  }

  /**
   * `docker stack rm`, then waits for its containers and network to go (they outlive the command by seconds), removes
   * its volumes by label and its images, and leaves the swarm if this test started it.
   */
  async remove(): Promise<void> {
    const label = `label=com.docker.stack.namespace=${this.name}`;
    await docker(['stack', 'rm', this.name]).catch(() => '');
    await eventually(async () => (await docker(['ps', '-aq', '--filter', label])).trim() === '', 90_000, `${this.name}'s containers gone`).catch(() => 0);
    await eventually(async () => (await docker(['network', 'ls', '-q', '--filter', label])).trim() === '', 30_000, `${this.name}'s network gone`).catch(() => 0);
    const volumes = (await docker(['volume', 'ls', '-q', '--filter', label])).trim().split('\n').filter(Boolean);
    if (volumes.length) await docker(['volume', 'rm', ...volumes]).catch(() => '');
    const images = ['dish', 'notifier', 'ws-gateway', 'sse-gateway', 'web'].map((t) => `${this.images}-${t}`);
    await docker(['rmi', ...images]).catch(() => '');
    if (!this.#joined) return;
    await docker(['swarm', 'leave', '--force']);
    // swarm init made it and swarm leave keeps it; removal fails harmlessly if anything else now uses it.
    if (!this.#gwbridgeBefore) await docker(['network', 'rm', 'docker_gwbridge']).catch(() => '');
  }
}
