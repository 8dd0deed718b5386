// A full garbage collection in another node process, through its inspector (`--inspect=127.0.0.1:0`): the same for
// every server, none of which needs a hook of its own.
import WebSocket from 'ws';
import type { Managed } from './processes.js';

export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

/** The inspector's WebSocket URL, from the line node prints on stderr at start. */
export function inspectorUrl(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(stderr)?.[1];
}

/** Waits for the process to print its inspector URL. */
export async function waitForInspector(m: Managed, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = inspectorUrl(m.stderrHead());
    if (url) return url;
    if (Date.now() > deadline) throw new Error(`${m.name}: no inspector URL on stderr within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs `HeapProfiler.collectGarbage` twice (the second pass frees what the first only unlinked), so RSS then
 * reflects live memory rather than when V8 last happened to collect.
 */
export function collectGarbage(url: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`inspector at ${url}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let answered = 0;
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 2, method: 'HeapProfiler.collectGarbage' }));
    });
    ws.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: number; error?: { message: string } };
      if (reply.error) {
        clearTimeout(timer);
        ws.close();
        reject(new Error(`inspector: ${reply.error.message}`));
      } else if (reply.id !== undefined && ++answered === 2) {
        clearTimeout(timer);
        ws.close();
        resolve();
      }
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
