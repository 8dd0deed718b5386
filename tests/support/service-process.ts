// The project's services as real child processes for the tests that cross them: started from source, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ServiceName = 'dish' | 'ws-gateway' | 'sse-gateway';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  pid: number;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  child: ChildProcess;
  /** stdout + stderr so far, for failure messages. */
  output(): string;
  alive(): boolean;
  /** True when it exited without the test asking (no kill() or stop() before): a crash. */
  crashed(): boolean;
  exited: Promise<Exit>;
  /** Sends a signal if the process still runs (SIGKILL for a crash). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within `killAfterMs`; resolves with how it exited. */
  stop(): Promise<Exit>;
}

export interface StartOptions {
  /** A fixed port, e.g. to restart behind a proxy that knows only that one; by default 0, and the port is read from the log. */
  port?: number;
  /** How long it may take to log that it listens. */
  timeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  killAfterMs?: number;
}

type Launched = Omit<ServiceProcess, 'name' | 'port' | 'url'>;

/** Every process launched here that has not exited yet, so an afterAll can kill what a failed test left running. */
const running = new Set<Launched>();

/**
 * Runs `services/<name>/src/main.ts` as one process: `node --import tsx`, not the tsx CLI, whose wrapper would be the
 * pid while the real server ran on as its child, surviving a kill.
 */
function launch(name: ServiceName, env: Record<string, string>, killAfterMs: number): Launched {
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
    cwd: root,
    // Only what the test sets (and PATH): a variable in the developer's shell cannot change what the test proves.
    env: { PATH: process.env.PATH ?? '', TSX_TSCONFIG_PATH: `${root}tsconfig.json`, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  let asked = false;
  const launched: Launched = {
    pid: child.pid!,
    child,
    output: () => output,
    alive,
    crashed: () => !alive() && !asked,
    exited,
    kill(signal) {
      asked = true;
      if (alive()) child.kill(signal);
    },
    async stop() {
      asked = true;
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  running.add(launched);
  void exited.then(() => running.delete(launched));
  return launched;
}

/** The port named by a service's `… listening` log line (pino JSON): its `port`, else the port of its `url`. */
function listeningPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes(' listening"')) continue;
    try {
      const record = JSON.parse(line) as { msg?: unknown; port?: unknown; url?: unknown };
      if (typeof record.msg !== 'string' || !record.msg.endsWith(' listening')) continue;
      if (typeof record.port === 'number') return record.port;
      if (typeof record.url === 'string') return Number(new URL(record.url).port);
    } catch {
      // A line cut mid-write: the next poll sees it whole.
    }
  }
  return undefined;
}

/**
 * Starts a service from source on 127.0.0.1 (port 0 unless `options.port`) with LOG_LEVEL=info unless `env` says
 * otherwise, and resolves once it logs that it listens, on the port that line names. A start that fails or times out
 * kills the process and rejects with its output.
 */
export async function startService(name: ServiceName, env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServiceProcess> {
  const launched = launch(name, { ...env, PORT: String(options.port ?? 0) }, options.killAfterMs ?? 5000);
  let port: number;
  try {
    port = await waitFor(`${name} to log that it listens`, () => {
      const found = listeningPort(launched.output());
      if (found === undefined && !launched.alive()) throw new Error(`${name} exited before listening:\n${launched.output()}`);
      return found;
    }, options.timeoutMs ?? 30_000, () => launched.output().slice(-800));
  } catch (err) {
    // Never leave a half-started service behind.
    launched.kill('SIGKILL');
    await launched.exited;
    throw err;
  }
  return { ...launched, name, port, url: `http://127.0.0.1:${port}` };
}

/** Starts a service expected to refuse to start (a bad variable); resolves with its exit code and all it wrote. */
export async function failedStart(name: ServiceName, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const launched = launch(name, { PORT: '0', ...env }, 0);
  const timer = setTimeout(() => launched.kill('SIGKILL'), 15_000);
  // 'close', not 'exit': the last lines of stderr may still be in the pipe when the process is gone.
  await new Promise((resolve) => launched.child.once('close', resolve));
  clearTimeout(timer);
  return { code: launched.child.exitCode, output: launched.output() };
}

/** For afterAll: SIGKILLs every process started here that still runs, by pid, each awaited. */
export async function killAllStarted(): Promise<void> {
  for (const launched of [...running]) {
    launched.kill('SIGKILL');
    await launched.exited;
  }
}
