// A full garbage collection in another node process, through its inspector (`--inspect=127.0.0.1:0`): memory is then
// compared after a GC on both sides, not at the whim of the collector's timing, and no server needs a hook of its own.
import WebSocket from 'ws';

/** The node flag (or NODE_OPTIONS value) that opens the inspector on a free loopback port. */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

/** The inspector's WebSocket URL, from the line node prints on stderr at start. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(output)?.[1];
}

/** Waits for a process started with INSPECT_FLAG to print its inspector URL. */
export async function waitForInspector(p: { name: string; output(): string }, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = inspectorUrl(p.output());
    if (url) return url;
    if (Date.now() > deadline) throw new Error(`${p.name}: no inspector URL within ${timeoutMs} ms (started without ${INSPECT_FLAG}?)`);
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
