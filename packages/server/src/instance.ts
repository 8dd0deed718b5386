// The per-process instance id that names the gateway serving a connection (replicas differ).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function createInstanceId(): string {
  // Safe as a Redis CLIENT SETNAME value: no spaces, so the feed connection can be named after it.
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
