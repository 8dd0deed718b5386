// Starts a private, throw-away redis-server child process on a free loopback port and stops it by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { isRedisReachable } from './reachable.js';

export interface RedisServerProcess {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface SpawnRedisOptions {
  port?: number;
  /** Keep data on disk (AOF) in this folder; default: a temporary folder removed on stop. */
  dir?: string;
  binary?: string;
}

export async function spawnRedisServer(options: SpawnRedisOptions = {}): Promise<RedisServerProcess> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'dish-live-redis-'));
  const binary = options.binary ?? 'redis-server';
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', options.dir ? 'yes' : 'no', '--dir', dir, '--databases', '64'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(new Error(`could not start ${binary}: ${err.message}. Install it (apt-get install -y redis-server) or set REDIS_URL.`)),
    ),
  );
  const url = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr.trim()}`);
      if (await isRedisReachable(url, 200)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${port} did not answer within 5 s`);
  })();
  await Promise.race([ready, spawnError]);
  return {
    url,
    port,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
