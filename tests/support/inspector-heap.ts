// The JavaScript heap another node process uses, through its inspector (`--inspect=127.0.0.1:0`): after a full GC
// (inspector-gc.ts) that is its live memory, free of what the allocator keeps resident but unused.
import WebSocket from 'ws';

/** `Runtime.getHeapUsage`: the bytes the process's JS heap uses now (objects, live or not yet collected). */
export function heapUsed(url: string, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`inspector at ${url}: no heap usage within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' })));
    ws.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: number; result?: { usedSize: number }; error?: { message: string } };
      if (reply.id !== 1) return;
      clearTimeout(timer);
      ws.close();
      if (reply.error || !reply.result) reject(new Error(`inspector: ${reply.error?.message ?? 'no result'}`));
      else resolve(reply.result.usedSize);
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
