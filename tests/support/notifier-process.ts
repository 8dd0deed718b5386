// The notifier as a real child process for the alert tests: started from source, its port read from its log, stopped
// or SIGKILLed by pid; and its metrics read by name.
import { REPO_ROOT, supervise, waitForOutput, type SupervisedProcess } from './supervised-process.js';

export interface NotifierProcess extends SupervisedProcess {
  port: number;
  url: string;
}

/** The port of its `notifier listening` log line. */
function listeningPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"notifier listening"')) continue;
    try {
      const record = JSON.parse(line) as { port?: unknown };
      if (typeof record.port === 'number') return record.port;
    } catch {
      // A line cut mid-write: the next poll sees it whole.
    }
  }
  return undefined;
}

/**
 * Starts `services/notifier/src/main.ts` with `node --import tsx` (so the pid is the notifier's own, and a SIGKILL
 * kills it), on 127.0.0.1 and a free port, with only the environment the test gives (and PATH).
 */
export async function startNotifierProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<NotifierProcess> {
  const launched = supervise({
    name: 'notifier',
    command: process.execPath,
    args: ['--import', 'tsx', 'services/notifier/src/main.ts'],
    env: { PATH: process.env.PATH ?? '', TSX_TSCONFIG_PATH: `${REPO_ROOT}tsconfig.json`, HOST: '127.0.0.1', LOG_LEVEL: 'info', PORT: '0', ...env },
    killAfterMs: 20_000,
  });
  let port: number;
  try {
    port = await waitForOutput(launched, 'the line saying it listens', listeningPort, timeoutMs);
  } catch (err) {
    launched.kill('SIGKILL');
    await launched.exited;
    throw err;
  }
  return { ...launched, port, url: `http://127.0.0.1:${port}` };
}

/** The sum of a metric's series whose labels contain `match` (e.g. `outcome="delivered"`). */
export async function notifierMetric(notifier: { url: string }, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`${notifier.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
