// The entry point as a real process (tsx): one JSON line saying where it listens, a bad variable named, SIGTERM exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { call } from './dish.test-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const redis = testRedis('dish-main');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/dish/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, exited, lines, output: () => ({ stdout, stderr }) };
}

describe('main.ts as a process', () => {
  it('logs where it listens, serves, and exits 0 on SIGTERM after stopping', async () => {
    const proc = run({ PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, KEY_PREFIX: redis.prefix, DISH_API_TOKENS: 't' });
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (!url) {
      if (Date.now() > deadline) throw new Error(`no "listening" line: ${JSON.stringify(proc.output())}`);
      url = proc.lines().find((l) => l.msg === 'dish service listening')?.url as string | undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
    expect((await call(url, 'GET', '/readyz')).status).toBe(200);
    expect((await call<unknown[]>(url, 'GET', '/api/dishes')).body).toHaveLength(12);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.lines().map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });

  it('refuses to start with a bad variable, naming it', async () => {
    const proc = run({ PORT: 'eighty' });
    expect(await proc.exited).toBe(2);
    expect(proc.output().stderr).toContain('PORT: ');
  });
});
