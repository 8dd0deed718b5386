// A configuration error names every bad variable and the value given, but never a write token or a Redis password.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, intEnv, loadEnv, serviceEnv } from './env.js';

const shape = { ...serviceEnv, API_TOKENS: z.string().regex(/^ok$/), JWT_SECRET: z.string().min(32), PORT: intEnv(0, 65_535, 80) };

describe('loadEnv', () => {
  it('names each bad variable with its value, tokens and Redis passwords hidden', () => {
    let error: unknown;
    try {
      loadEnv(shape, { PORT: 'x', API_TOKENS: 'secret-token', JWT_SECRET: 'too-short', REDIS_URL: 'redis://:hunter2@cache:6379/0 x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT: .*PORT="x"/);
    expect(message).toContain('API_TOKENS="***"');
    expect(message).toContain('JWT_SECRET="***"');
    expect(message).not.toContain('too-short');
    expect(message).toContain('REDIS_URL="redis://:***@cache:6379/0 x"');
    expect(message).not.toMatch(/secret-token|hunter2/);
  });
});
