// Cross-references between rendered objects that the schemas cannot see: namespaces, Services and their pods and
// ports, StatefulSets' Services, the Ingress's backends and annotations, autoscalers and disruption budgets.
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IService } from 'kubernetes-models/v1/Service';
import { containerPort, label, selects, type PodTemplate, type Rendered } from './kubernetes-objects.js';

/** What WebSocket and SSE need from ingress-nginx: HTTP/1.1 (Upgrade passed on), no buffering, an hour idle. */
export const STREAM_ANNOTATIONS: Record<string, (value: string) => boolean> = {
  'nginx.ingress.kubernetes.io/proxy-http-version': (v) => v === '1.1',
  'nginx.ingress.kubernetes.io/proxy-buffering': (v) => v === 'off',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': (v) => Number(v) >= 3600,
  'nginx.ingress.kubernetes.io/proxy-send-timeout': (v) => Number(v) >= 3600,
};

export function referenceProblems(r: Rendered): string[] {
  return [...namespaceProblems(r), ...serviceProblems(r), ...statefulSetProblems(r), ...ingressProblems(r), ...scalingProblems(r)];
}

/** The one serving workload a selector picks in a namespace, or a problem naming how many it picked. */
export function selectedWorkload(r: Rendered, namespace: string | undefined, selector: Record<string, string> | undefined): PodTemplate | string {
  const pods = r.servingPods().filter((p) => p.owner.metadata.namespace === namespace && selects(selector, p.template.metadata?.labels));
  if (pods.length === 1) return pods[0]!;
  return `its selector ${JSON.stringify(selector ?? {})} matches ${pods.length} workloads (${pods.map((p) => p.label).join(', ') || 'none'}), not exactly one`;
}

function namespaceProblems(r: Rendered): string[] {
  const namespaces = new Set(r.ofKind('Namespace').map((n) => n.metadata.name));
  const seen = new Set<string>();
  return r.objects.flatMap((o) => {
    const problems: string[] = [];
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(key)) problems.push(`${label(o)}: rendered twice`);
    seen.add(key);
    if (o.kind !== 'Namespace' && !namespaces.has(o.metadata.namespace ?? '')) {
      problems.push(`${label(o)}: namespace ${o.metadata.namespace ?? '(none)'} is not among the rendered Namespaces`);
    }
    return problems;
  });
}

function serviceProblems(r: Rendered): string[] {
  return r.ofKind<IService>('Service').flatMap((service) => {
    const name = label(service);
    const pod = selectedWorkload(r, service.metadata.namespace, service.spec?.selector);
    if (typeof pod === 'string') return [`${name}: ${pod}`];
    const headless = service.spec?.clusterIP === 'None';
    return (service.spec?.ports ?? []).flatMap((port) => {
      const target = port.targetPort ?? port.port;
      const number = containerPort(pod.spec.containers, target);
      if (number === undefined) return [`${name} port ${port.name ?? port.port}: targetPort ${target} is no container port of ${pod.label}`];
      // A headless Service's name resolves to the pods themselves: clients connect to the port they were given.
      if (headless && number !== port.port) return [`${name} port ${port.name ?? port.port}: headless, so port ${port.port} must be the container port ${number}`];
      return [];
    });
  });
}

function statefulSetProblems(r: Rendered): string[] {
  return r.servingPods().flatMap((pod) => {
    if (pod.owner.kind !== 'StatefulSet') return [];
    const serviceName = (pod.owner.spec as { serviceName?: string }).serviceName ?? '';
    const service = r.find<IService>('Service', serviceName, pod.owner.metadata.namespace);
    if (!service) return [`${pod.label}: serviceName ${serviceName} is no rendered Service`];
    if (service.spec?.clusterIP !== 'None') return [`${pod.label}: its Service ${serviceName} must be headless (clusterIP: None) to name each pod`];
    const selected = selectedWorkload(r, service.metadata.namespace, service.spec.selector);
    return typeof selected !== 'string' && selected.owner === pod.owner ? [] : [`${pod.label}: its Service ${serviceName} does not select its pods`];
  });
}

function ingressProblems(r: Rendered): string[] {
  return r.ofKind<IIngress>('Ingress').flatMap((ingress) => {
    const name = label(ingress);
    const annotations = ingress.metadata.annotations ?? {};
    const problems = Object.entries(STREAM_ANNOTATIONS)
      .filter(([key, ok]) => annotations[key] === undefined || !ok(annotations[key]))
      .map(([key]) => `${name}: annotation ${key} is ${JSON.stringify(annotations[key])}, not what WebSocket and SSE need`);
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend.service;
        const service = backend && r.find<IService>('Service', backend.name, ingress.metadata.namespace);
        if (!service) {
          problems.push(`${name} path ${path.path}: backend Service ${backend?.name ?? '(none)'} is not rendered`);
          continue;
        }
        const port = backend.port;
        if (!(service.spec?.ports ?? []).some((p) => (port?.name !== undefined ? p.name === port.name : p.port === port?.number))) {
          problems.push(`${name} path ${path.path}: Service ${backend.name} has no port ${port?.name ?? port?.number}`);
        }
      }
    }
    return problems;
  });
}

function scalingProblems(r: Rendered): string[] {
  const autoscalers = r.ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
  const problems = autoscalers.flatMap((hpa) => {
    const name = label(hpa);
    const ref = hpa.spec?.scaleTargetRef;
    const target = ref && r.find(ref.kind, ref.name, hpa.metadata.namespace);
    if (!ref || !target || !['Deployment', 'StatefulSet'].includes(target.kind)) {
      return [`${name}: scaleTargetRef ${ref?.kind ?? '?'}/${ref?.name ?? '?'} is no rendered Deployment or StatefulSet`];
    }
    const found: string[] = [];
    // Each apply would set `replicas` back, undoing the autoscaler's choice.
    if ((target.spec as { replicas?: number }).replicas !== undefined) found.push(`${name}: its target ${label(target)} sets replicas, which every apply resets`);
    if ((hpa.spec?.minReplicas ?? 1) < 2) found.push(`${name}: minReplicas ${hpa.spec?.minReplicas ?? 1}: one replica leaves no one to take its clients`);
    return found;
  });
  for (const pdb of r.ofKind<IPodDisruptionBudget>('PodDisruptionBudget')) {
    const name = label(pdb);
    const pod = selectedWorkload(r, pdb.metadata.namespace, pdb.spec?.selector?.matchLabels);
    if (typeof pod === 'string') {
      problems.push(`${name}: ${pod}`);
      continue;
    }
    const hpa = autoscalers.find((a) => a.spec?.scaleTargetRef.name === pod.owner.metadata.name && a.spec.scaleTargetRef.kind === pod.owner.kind);
    const replicas = pod.replicas ?? hpa?.spec?.minReplicas ?? 1;
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    // A budget that allows no eviction at all blocks every node drain.
    if (typeof minAvailable === 'number' && minAvailable >= replicas) problems.push(`${name}: minAvailable ${minAvailable} of ${replicas} replicas of ${pod.label} allows no eviction`);
    if (maxUnavailable !== undefined && !(typeof maxUnavailable === 'number' && maxUnavailable >= 1)) problems.push(`${name}: maxUnavailable ${maxUnavailable} allows no eviction`);
    if (minAvailable === undefined && maxUnavailable === undefined) problems.push(`${name}: neither minAvailable nor maxUnavailable`);
  }
  return problems;
}
