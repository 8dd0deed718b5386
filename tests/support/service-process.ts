// The project's services as real child processes for the tests that cross them: started from source, stopped by pid.
import { REPO_ROOT, supervise, waitForOutput, type SupervisedProcess } from './supervised-process.js';

export type ServiceName = 'dish' | 'ws-gateway' | 'sse-gateway';

export interface ServiceProcess extends SupervisedProcess {
  name: ServiceName;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
}

export interface StartOptions {
  /** A fixed port, e.g. to restart behind a proxy that knows only that one; by default 0, and the port is read from the log. */
  port?: number;
  /** How long it may take to log that it listens. */
  timeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  killAfterMs?: number;
}

/**
 * Runs `services/<name>/src/main.ts` as one process: `node --import tsx`, not the tsx CLI, whose wrapper would be the
 * pid while the real server ran on as its child, surviving a kill.
 */
function launch(name: ServiceName, env: Record<string, string>, killAfterMs: number): SupervisedProcess {
  return supervise({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', `services/${name}/src/main.ts`],
    // Only what the test sets (and PATH): a variable in the developer's shell cannot change what the test proves.
    env: { PATH: process.env.PATH ?? '', TSX_TSCONFIG_PATH: `${REPO_ROOT}tsconfig.json`, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    killAfterMs,
  });
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
    port = await waitForOutput(launched, 'the line saying it listens', listeningPort, options.timeoutMs ?? 30_000);
  } catch (err) {
    // Never leave a half-started service behind.
    launched.kill('SIGKILL');
    await launched.exited;
    throw err;
  }
  return { ...launched, name, port, url: `http://127.0.0.1:${port}` };
}

/** The dish service, its menu seed and simulator off unless `env` turns them on. */
export function startDish(env: Record<string, string>): Promise<ServiceProcess> {
  // Its graceful stop drains the order worker and the HTTP server (5 s grace of its own): a longer bound before SIGKILL.
  return startService('dish', { SEED_MENU: 'false', SIM_RATE: '0', ...env }, { killAfterMs: 15_000 });
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
