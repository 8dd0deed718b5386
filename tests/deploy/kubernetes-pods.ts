// What every rendered pod must do on its own: probes on ports and paths its process answers, a stop that outlasts
// the drain, the restricted security context, resources, and a writable volume wherever a process writes.
import { existsSync, readFileSync } from 'node:fs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { containerPort, dishLiveImage, type PodTemplate, type Rendered } from './kubernetes-objects.js';
import { REDIS_CLIENTS } from './kubernetes-wiring.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const NGINX_CONF = read('deploy/nginx/nginx.conf');
/** Every service answers these on its own port (docs: "Every service: GET /healthz, GET /readyz, GET /metrics"). */
const SERVICE_PATHS = ['/healthz', '/readyz', '/metrics'];
/** What web's nginx answers itself: its exact locations (`location = /healthz`). */
const WEB_PATHS = [...read('deploy/nginx/templates/dish-live.locations.template').matchAll(/location = (\/\S*) \{/g)].map((m) => m[1]!);
/** Where nginx writes: its pid and temp files (nginx.conf), and conf.d, where the image's entrypoint renders templates. */
const NGINX_WRITES = [
  ...[...NGINX_CONF.matchAll(/^\s*(?:pid|\w+_temp_path)\s+(\S+);/gm)].map((m) => m[1]!.replace(/\/[^/]*$/, '') || '/'),
  '/etc/nginx/conf.d',
];
/** A process without SHUTDOWN_GRACE_MS whose main.ts gives no literal stop bound: compose's stop_grace_period. */
const DEFAULT_STOP_S = 15;

export function podProblems(r: Rendered): string[] {
  return r.podTemplates().flatMap((pod) => [
    ...[...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap((c) => containerProblems(pod, c)),
    ...(pod.owner.kind === 'Job' ? [] : [...probeProblems(pod), ...stopProblems(r, pod)]),
  ]);
}

function containerProblems(pod: PodTemplate, c: IContainer): string[] {
  const where = `${pod.label} container ${c.name}`;
  const podContext = pod.spec.securityContext ?? {};
  const own = c.securityContext ?? {};
  const problems: string[] = [];
  if ((own.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
  // The images name their users (node, www-data, redis): the kubelet checks runAsNonRoot only against a number.
  if (!((own.runAsUser ?? podContext.runAsUser ?? 0) > 0)) problems.push(`${where}: no numeric non-root runAsUser`);
  if (own.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
  if (own.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
  if (!(own.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
  if ((own.seccompProfile ?? podContext.seccompProfile)?.type !== 'RuntimeDefault') problems.push(`${where}: seccompProfile is not RuntimeDefault`);
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      if (c.resources?.[kind]?.[resource] === undefined) problems.push(`${where}: no ${resource} in resources.${kind}`);
    }
  }
  const writable = (c.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath);
  const writes = dishLiveImage(c) === 'web' ? NGINX_WRITES : c.image?.startsWith('redis:') && pod.owner.kind !== 'Job' ? ['/data'] : [];
  for (const path of writes) {
    if (!writable.some((m) => path === m || path.startsWith(`${m}/`))) problems.push(`${where}: writes to ${path}, which is on the read-only root file system`);
  }
  return problems;
}

function probeProblems(pod: PodTemplate): string[] {
  return pod.spec.containers.flatMap((c) => {
    const where = `${pod.label} container ${c.name}`;
    const image = dishLiveImage(c);
    const answers = image === 'web' ? WEB_PATHS : image !== undefined ? SERVICE_PATHS : [];
    const problems: string[] = [];
    const probes: [string, IProbe | undefined][] = [['startupProbe', c.startupProbe], ['readinessProbe', c.readinessProbe], ['livenessProbe', c.livenessProbe]];
    for (const [kind, probe] of probes) {
      if (!probe) continue;
      const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
      if (port !== undefined && containerPort([c], port) === undefined) problems.push(`${where}: ${kind} port ${port} is no port of the container`);
      if (probe.httpGet && !answers.includes(probe.httpGet.path ?? '/')) problems.push(`${where}: ${kind} asks ${probe.httpGet.path ?? '/'}, which ${image ?? c.image} does not answer`);
      if (!probe.httpGet && !probe.tcpSocket && !probe.grpc && !probe.exec?.command?.length) problems.push(`${where}: ${kind} checks nothing`);
    }
    if (!c.readinessProbe) problems.push(`${where}: no readinessProbe`);
    if (!c.livenessProbe) problems.push(`${where}: no livenessProbe`);
    if (image !== undefined && REDIS_CLIENTS.includes(image)) {
      // Ready means Redis reachable and the feed live; alive only that the process answers.
      if (c.readinessProbe?.httpGet?.path !== '/readyz') problems.push(`${where}: readinessProbe is not GET /readyz`);
      if (c.livenessProbe?.httpGet?.path !== '/healthz') problems.push(`${where}: livenessProbe is not GET /healthz`);
      // It listens only once Redis answered: a slow start, which liveness alone would turn into a restart loop.
      if (c.startupProbe?.httpGet?.path !== '/healthz') problems.push(`${where}: no startupProbe on GET /healthz`);
    }
    if (image === 'web' && (c.readinessProbe?.httpGet?.path !== '/healthz' || c.livenessProbe?.httpGet?.path !== '/healthz')) {
      problems.push(`${where}: readiness and liveness are not GET /healthz, nginx's own answer`);
    }
    return problems;
  });
}

/** Seconds a container's process may take to stop after SIGTERM. */
function stopBudgetS(r: Rendered, pod: PodTemplate, c: IContainer): number {
  const image = dishLiveImage(c);
  if (image === 'web') return Number(/worker_shutdown_timeout (\d+)s;/.exec(NGINX_CONF)?.[1] ?? DEFAULT_STOP_S);
  const grace = r.effectiveEnv(pod, c).get('SHUTDOWN_GRACE_MS');
  if (grace !== undefined && /^\d+$/.test(grace)) return Number(grace) / 1000;
  const main = `services/${image ?? ''}/src/main.ts`;
  const literal = image && existsSync(new URL(`../../${main}`, import.meta.url)) ? /onShutdown\(log, ([\d_]+)/.exec(read(main))?.[1] : undefined;
  return literal ? Number(literal.replaceAll('_', '')) / 1000 : DEFAULT_STOP_S;
}

function stopProblems(r: Rendered, pod: PodTemplate): string[] {
  const services = r.ofKind('Service').filter((s) => {
    const selector = (s.spec as { selector?: Record<string, string> }).selector;
    return selector && Object.entries(selector).every(([k, v]) => pod.template.metadata?.labels?.[k] === v);
  });
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
  return pod.spec.containers.flatMap((c) => {
    if (dishLiveImage(c) === undefined) return [];
    const where = `${pod.label} container ${c.name}`;
    const command = c.lifecycle?.preStop?.exec?.command ?? [];
    const sleep = Number(/^sleep (\d+)$/.exec(command.join(' ').replace(/^(?:ba)?sh -c /, ''))?.[1] ?? c.lifecycle?.preStop?.sleep?.seconds ?? 0);
    // Routed to by a Service: keep serving while endpoints, kube-proxy, the Ingress and DNS forget the pod.
    if (services.length > 0 && sleep < 3) return [`${where}: behind Service ${services[0]!.metadata.name} but no preStop sleep of a few seconds`];
    const budget = stopBudgetS(r, pod, c);
    return grace > sleep + budget ? [] : [`${where}: terminationGracePeriodSeconds ${grace} does not outlast preStop ${sleep} s + its stop ${budget} s`];
  });
}
