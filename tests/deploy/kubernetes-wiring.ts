// How the rendered pods are wired to each other: every ConfigMap, Secret and volume they name exists, `$(VAR)`
// references resolve, web's nginx upstreams and the Ingress send each path to the same Service, and every service
// reaches a Redis that is rendered.
import { readFileSync } from 'node:fs';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import { containerPort, dishLiveImage, type K8sObject, type PodTemplate, type Rendered } from './kubernetes-objects.js';
import { selectedWorkload } from './kubernetes-references.js';

const LOCATIONS = new URL('../../deploy/nginx/templates/dish-live.locations.template', import.meta.url);
/** The images that read REDIS_URL or REDIS_CLUSTER_NODES. */
export const REDIS_CLIENTS = ['dish', 'notifier', 'ws-gateway', 'sse-gateway'];

export function wiringProblems(r: Rendered): string[] {
  return [...r.podTemplates().flatMap((pod) => podWiring(r, pod)), ...webProblems(r), ...redisProblems(r)];
}

const containersOf = (pod: PodTemplate) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

function podWiring(r: Rendered, pod: PodTemplate): string[] {
  const namespace = pod.owner.metadata.namespace;
  const exists = (kind: string, name: string | undefined) => name !== undefined && r.find(kind, name, namespace) !== undefined;
  const hasKey = (kind: string, name: string, key: string) => {
    const data = r.find(kind, name, namespace)?.data as Record<string, string> | undefined;
    return data !== undefined && key in data;
  };
  const problems: string[] = [];
  const volumes = new Set([
    ...(pod.spec.volumes ?? []).map((v) => v.name),
    ...((pod.owner.spec as { volumeClaimTemplates?: K8sObject[] }).volumeClaimTemplates ?? []).map((c) => c.metadata.name),
  ]);
  for (const volume of pod.spec.volumes ?? []) {
    if (volume.configMap && !exists('ConfigMap', volume.configMap.name)) problems.push(`${pod.label} volume ${volume.name}: ConfigMap ${volume.configMap.name} is not rendered`);
    if (volume.secret && !exists('Secret', volume.secret.secretName)) problems.push(`${pod.label} volume ${volume.name}: Secret ${volume.secret.secretName} is not rendered`);
  }
  for (const container of containersOf(pod)) {
    const where = `${pod.label} container ${container.name}`;
    for (const mount of container.volumeMounts ?? []) {
      if (!volumes.has(mount.name)) problems.push(`${where}: volumeMount ${mount.name} names no volume of the pod`);
      // A script the container runs from a mounted ConfigMap (`bash /scripts/start-node.sh`) is one of its keys.
      const configMap = (pod.spec.volumes ?? []).find((v) => v.name === mount.name)?.configMap?.name;
      const data = configMap === undefined ? undefined : (r.find('ConfigMap', configMap, namespace)?.data as Record<string, string> | undefined);
      for (const arg of [...(container.command ?? []), ...(container.args ?? [])]) {
        if (data && arg.startsWith(`${mount.mountPath}/`) && !(arg.slice(mount.mountPath.length + 1) in data)) {
          problems.push(`${where}: runs ${arg}, which ConfigMap ${configMap} does not hold`);
        }
      }
    }
    const defined = new Set<string>();
    for (const from of container.envFrom ?? []) {
      const [kind, ref] = from.configMapRef ? ['ConfigMap', from.configMapRef] : ['Secret', from.secretRef];
      if (!ref?.optional && !exists(kind, ref?.name)) problems.push(`${where}: envFrom ${kind} ${ref?.name ?? '(none)'} is not rendered`);
      const data = (r.find(kind, ref?.name ?? '', namespace)?.data ?? {}) as Record<string, string>;
      for (const key of Object.keys(data)) defined.add(`${from.prefix ?? ''}${key}`);
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
      const kind = variable.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
      if (ref && !ref.optional && !hasKey(kind, ref.name ?? '', ref.key)) {
        problems.push(`${where}: ${variable.name} refers to key ${ref.key} of ${kind} ${ref.name ?? '(none)'}, which is not rendered`);
      }
      // The kubelet expands $(NAME) only for names defined before; anything else stays as written.
      for (const [, name] of (variable.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (!defined.has(name!)) problems.push(`${where}: ${variable.name} uses $(${name}), which is not defined before it`);
      }
      defined.add(variable.name);
    }
  }
  return problems;
}

/** The pod whose containers run a Dish Live image, with that container. */
function podsRunning(r: Rendered, image: string): { pod: PodTemplate; container: IContainer }[] {
  return r.servingPods().flatMap((pod) => pod.spec.containers.filter((c) => dishLiveImage(c) === image).map((container) => ({ pod, container })));
}

/** `location /ws { set $ws_upstream ${WS_UPSTREAM};` → /ws, WS_UPSTREAM: where web's nginx sends each proxied path. */
export function nginxUpstreams(): { path: string; variable: string }[] {
  const template = readFileSync(LOCATIONS, 'utf8');
  return [...template.matchAll(/location (\/[\w-]+) \{\s*set \$\w+ \$\{(\w+)\};/g)].map(([, path, variable]) => ({ path: path!, variable: variable! }));
}

function webProblems(r: Rendered): string[] {
  const problems: string[] = [];
  const upstreams = nginxUpstreams();
  if (upstreams.length === 0) problems.push(`no proxied location found in ${LOCATIONS.pathname}`);
  const ingresses = r.ofKind<IIngress>('Ingress');
  const backendOf = (path: string) =>
    ingresses.flatMap((i) => i.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []).find((p) => p.path === path)?.backend.service?.name;
  for (const { pod, container } of podsRunning(r, 'web')) {
    const where = `${pod.label} container ${container.name}`;
    const env = new Map((container.env ?? []).map((v) => [v.name, v]));
    const resolver = env.get('NGINX_RESOLVER')?.value;
    if (!resolver || resolver === '127.0.0.11') problems.push(`${where}: NGINX_RESOLVER is ${resolver ?? 'unset'} (Docker's DNS); in Kubernetes it is kube-dns`);
    for (const { path, variable } of upstreams) {
      const value = env.get(variable)?.value ?? '';
      // nginx's resolver applies no search domains: a full name, in the pod's own namespace.
      const [, serviceName = '', namespace = '', port = ''] = /^([a-z0-9-]+)\.([^.]+)\.svc\.[a-z0-9.-]+:(\d+)$/.exec(value) ?? [];
      const namespaceVar = /^\$\((\w+)\)$/.exec(namespace)?.[1];
      const ownNamespace = namespace === pod.owner.metadata.namespace || (namespaceVar !== undefined && env.get(namespaceVar)?.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace');
      const service = r.find<IService>('Service', serviceName, pod.owner.metadata.namespace);
      if (!ownNamespace || !service) {
        problems.push(`${where}: ${variable}=${JSON.stringify(value)} is not <Service>.<this namespace>.svc.<domain>:<port> of a rendered Service`);
        continue;
      }
      if (!(service.spec?.ports ?? []).some((p) => p.port === Number(port))) problems.push(`${where}: ${variable} port ${port} is no port of Service ${serviceName}`);
      // nginx re-resolves the name to reach every replica: an autoscaled workload needs a headless Service for that.
      const target = selectedWorkload(r, service.metadata.namespace, service.spec?.selector);
      const scaled = typeof target !== 'string' && r.ofKind('HorizontalPodAutoscaler').some((h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === target.owner.metadata.name);
      if (scaled && service.spec?.clusterIP !== 'None') problems.push(`${where}: ${variable} names Service ${serviceName}, which must be headless for nginx to see every replica`);
      const routed = backendOf(path);
      if (ingresses.length > 0 && routed !== serviceName) problems.push(`Ingress path ${path} goes to ${routed ?? 'nothing'}, web's nginx sends it to ${serviceName}`);
    }
    const root = backendOf('/');
    const rootPods = root === undefined ? undefined : selectedWorkload(r, pod.owner.metadata.namespace, r.find<IService>('Service', root)?.spec?.selector);
    if (ingresses.length > 0 && (typeof rootPods !== 'object' || rootPods.owner !== pod.owner)) problems.push(`Ingress path / does not reach ${pod.label}`);
  }
  return problems;
}

function redisProblems(r: Rendered): string[] {
  return REDIS_CLIENTS.flatMap((image) => podsRunning(r, image)).flatMap(({ pod, container }) => {
    const where = `${pod.label} container ${container.name}`;
    const env = r.effectiveEnv(pod, container);
    const namespace = pod.owner.metadata.namespace;
    const nodes = env.get('REDIS_CLUSTER_NODES');
    if (nodes) {
      return nodes.split(',').flatMap((node) => {
        const [, set = '', index = '', serviceName = '', port = ''] = /^([a-z0-9-]+)-(\d+)\.([a-z0-9-]+):(\d+)$/.exec(node.trim()) ?? [];
        const sts = r.find('StatefulSet', set, namespace);
        const spec = sts?.spec as { serviceName?: string; replicas?: number; template: { spec: { containers: IContainer[] } } } | undefined;
        if (!spec || spec.serviceName !== serviceName || Number(index) >= (spec.replicas ?? 1)) {
          return [`${where}: REDIS_CLUSTER_NODES entry ${node} is no pod <StatefulSet>-<n>.<its Service> that is rendered`];
        }
        return containerPort(spec.template.spec.containers, Number(port)) === undefined ? [`${where}: REDIS_CLUSTER_NODES entry ${node}: no container port ${port}`] : [];
      });
    }
    const url = env.get('REDIS_URL');
    if (!url) return [`${where}: neither REDIS_URL nor REDIS_CLUSTER_NODES`];
    const { hostname, port } = URL.canParse(url) ? new URL(url) : { hostname: '', port: '' };
    const service = r.find<IService>('Service', hostname.split('.')[0] ?? '', namespace);
    const ports = (service?.spec?.ports ?? []).map((p) => p.port);
    return ports.includes(Number(port || 6379)) ? [] : [`${where}: REDIS_URL ${url} names no rendered Service and port`];
  });
}
