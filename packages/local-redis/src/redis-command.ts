// Sends one command to a Redis on loopback over a connection of its own and reads its one reply, without a client
// library: this package stays free of dependencies, and a fresh connection per command never waits on a node that
// was killed or paused meanwhile.
import { connect } from 'node:net';

export type RedisReply = string | number | null | RedisReply[];

/** An error reply (`-ERR …`, `-CLUSTERDOWN …`), as opposed to a connection that failed. */
export class RedisErrorReply extends Error {}

export function redisCommand(port: number, args: readonly (string | number)[], timeoutMs = 2000): Promise<RedisReply> {
  const request = `*${args.length}\r\n${args
    .map((arg) => {
      const text = String(arg);
      return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
    })
    .join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const done = (error: Error | undefined, reply?: RedisReply) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? null);
    };
    const timer = setTimeout(
      () => done(new Error(`127.0.0.1:${port} did not answer ${String(args[0])} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('error', (err) => done(new Error(`127.0.0.1:${port}: ${err.message}`)));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let parsed: Parsed;
      try {
        parsed = parseReply(received, 0);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (!parsed) return;
      if (parsed.value instanceof RedisErrorReply) done(parsed.value);
      else done(undefined, parsed.value);
    });
    socket.once('end', () => done(new Error(`127.0.0.1:${port} closed the connection before answering ${String(args[0])}`)));
  });
}

type Parsed = { value: RedisReply | RedisErrorReply; next: number } | undefined;

/** Parses the RESP2 reply starting at `at`; undefined while it has not all arrived. */
function parseReply(buffer: Buffer, at: number): Parsed {
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const line = buffer.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(buffer[at]!)) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: new RedisErrorReply(line), next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: RedisReply[] = [];
      let cursor = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, cursor);
        if (!item) return undefined;
        if (item.value instanceof RedisErrorReply) return item;
        items.push(item.value);
        cursor = item.next;
      }
      return { value: items, next: cursor };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buffer.toString('utf8', at, at + 40))}`);
  }
}
