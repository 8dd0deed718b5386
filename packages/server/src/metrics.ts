// Each service's Prometheus registry: process metrics, and labels every series carries.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry of its own, so several instances in one process (tests) do not collide. */
export function createRegistry(defaultLabels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
