// Checks that a Redis URL answers PING, without any client library, within a time limit.
import { connect } from 'node:net';

export function isRedisReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  let host: string;
  let port: number;
  let password: string | undefined;
  try {
    const parsed = new URL(url);
    host = parsed.hostname || '127.0.0.1';
    port = Number(parsed.port || 6379);
    password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      socket.write(password ? `AUTH ${password}\r\nPING\r\n` : 'PING\r\n');
    });
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('+PONG')) done(true);
      else if (seen.startsWith('-')) done(false);
    });
  });
}
