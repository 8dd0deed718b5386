// What the broker runs on: a standalone Redis or a Redis Cluster. Every key of a call shares one restaurant's hash tag,
// so the same commands and scripts run on both.
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;
