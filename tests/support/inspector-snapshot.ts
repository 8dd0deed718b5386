// A V8 heap snapshot of another node process, through its inspector (`--inspect=127.0.0.1:0`), written to a file.
// The snapshot comes in chunks and is written as it comes: a 10,000-connection gateway's is ~100 MB of JSON.
import { closeSync, openSync, writeSync } from 'node:fs';
import WebSocket from 'ws';

/** `HeapProfiler.takeHeapSnapshot` (V8 collects garbage first, so the snapshot holds live objects) into `file`. */
export function heapSnapshot(url: string, file: string, timeoutMs = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'w');
    const ws = new WebSocket(url, { maxPayload: 0 });
    const finish = (err?: Error) => {
      clearTimeout(timer);
      closeSync(fd);
      ws.terminate();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`inspector at ${url}: no heap snapshot within ${timeoutMs} ms`)), timeoutMs);
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: false } })));
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { id?: number; method?: string; params?: { chunk: string }; error?: { message: string } };
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk') writeSync(fd, m.params!.chunk);
      else if (m.id === 1) finish(m.error ? new Error(`inspector: ${m.error.message}`) : undefined);
    });
    ws.on('error', (err) => finish(err));
  });
}
