// Live memory of a server, through its inspector: a full collection, then V8's count of the heap still in use.
// RSS after a collection moves with what V8 keeps mapped; the used heap is what the live objects take.
import WebSocket from 'ws';

/**
 * Runs `HeapProfiler.collectGarbage` twice (the second pass frees what the first only unlinked), then answers
 * `Runtime.getHeapUsage`'s used size in bytes. The server was started with `--inspect` (test kit's INSPECT_FLAG).
 */
export function liveHeapBytes(url: string, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`inspector at ${url}: no answer within ${timeoutMs} ms`)), timeoutMs);
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 2, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 3, method: 'Runtime.getHeapUsage' }));
    });
    ws.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: number; error?: { message: string }; result?: { usedSize?: number } };
      if (reply.error) return fail(new Error(`inspector: ${reply.error.message}`));
      if (reply.id !== 3) return;
      const used = reply.result?.usedSize;
      if (typeof used !== 'number') return fail(new Error('inspector: Runtime.getHeapUsage answered no usedSize'));
      clearTimeout(timer);
      ws.close();
      resolve(used);
    });
    ws.on('error', fail);
  });
}
