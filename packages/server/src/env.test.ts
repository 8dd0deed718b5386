// A configuration error names every bad variable and the value given, but never a write token or a Redis password.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, durability, intEnv, loadEnv, redisTarget, serviceEnv } from './env.js';

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

describe('Redis target and durability', () => {
  it('selects the cluster when REDIS_CLUSTER_NODES is set (IPv6 in brackets), REDIS_URL otherwise', () => {
    const cluster = loadEnv(serviceEnv, { REDIS_CLUSTER_NODES: 'redis-1:7000, 127.0.0.1:7001,[::1]:7002' });
    expect(redisTarget(cluster)).toEqual({
      clusterNodes: [{ host: 'redis-1', port: 7000 }, { host: '127.0.0.1', port: 7001 }, { host: '::1', port: 7002 }],
    });
    expect(redisTarget(loadEnv(serviceEnv, {}))).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(durability(loadEnv(serviceEnv, {}))).toEqual({ minReplicas: 0, replicaTimeoutMs: 1000 });
    expect(durability(loadEnv(serviceEnv, { WRITE_MIN_REPLICAS: '1', WRITE_REPLICA_TIMEOUT_MS: '250' }))).toEqual({ minReplicas: 1, replicaTimeoutMs: 250 });
  });

  it('names a bad node list or replica count', () => {
    for (const nodes of ['redis-1', 'redis-1:0', 'redis-1:70000', 'a:1,,b:2', 'a b:1']) {
      expect(() => loadEnv(serviceEnv, { REDIS_CLUSTER_NODES: nodes }), nodes).toThrow(/REDIS_CLUSTER_NODES: expected host:port/);
    }
    expect(() => loadEnv(serviceEnv, { WRITE_MIN_REPLICAS: '-1' })).toThrow(/WRITE_MIN_REPLICAS/);
    expect(() => loadEnv(serviceEnv, { WRITE_REPLICA_TIMEOUT_MS: '0' })).toThrow(/WRITE_REPLICA_TIMEOUT_MS/);
  });
});
