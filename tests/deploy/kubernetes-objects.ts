// A rendered set of Kubernetes objects, looked up by kind and name, and what the checks read from it: pod templates,
// containers' ports and effective environment.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A workload's pod template, named for messages (`Deployment/web`). */
export interface PodTemplate {
  owner: K8sObject;
  label: string;
  /** The workload's pod selector; Jobs generate their own. */
  selector: Record<string, string> | undefined;
  replicas: number | undefined;
  template: IPodTemplateSpec;
  spec: IPodSpec;
}

export const label = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

export class Rendered {
  constructor(readonly objects: readonly K8sObject[]) {}

  ofKind<T = K8sObject>(kind: string): (K8sObject & T)[] {
    return this.objects.filter((o) => o.kind === kind) as (K8sObject & T)[];
  }

  find<T = K8sObject>(kind: string, name: string, namespace?: string): (K8sObject & T) | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace)) as
      | (K8sObject & T)
      | undefined;
  }

  /** Pod templates of Deployments, StatefulSets and Jobs. */
  podTemplates(): PodTemplate[] {
    return this.objects.flatMap((owner): PodTemplate[] => {
      if (!['Deployment', 'StatefulSet', 'Job'].includes(owner.kind)) return [];
      const spec = owner.spec as { selector?: { matchLabels?: Record<string, string> }; replicas?: number; template: IPodTemplateSpec };
      return [{
        owner,
        label: label(owner),
        selector: owner.kind === 'Job' ? undefined : spec.selector?.matchLabels,
        replicas: spec.replicas,
        template: spec.template,
        spec: spec.template.spec!,
      }];
    });
  }

  /** Long-running pods (not Jobs): the ones Services, PDBs and HPAs are about. */
  servingPods(): PodTemplate[] {
    return this.podTemplates().filter((p) => p.owner.kind !== 'Job');
  }

  /** A container's environment as the kubelet builds it: envFrom first, then env; `$(VAR)` left as written. */
  effectiveEnv(pod: PodTemplate, container: IContainer): Map<string, string> {
    const env = new Map<string, string>();
    const namespace = pod.owner.metadata.namespace;
    for (const from of container.envFrom ?? []) {
      const ref = from.configMapRef ?? from.secretRef;
      const source = ref?.name === undefined ? undefined : this.find(from.configMapRef ? 'ConfigMap' : 'Secret', ref.name, namespace);
      const data = (source?.data ?? {}) as Record<string, string>;
      for (const [key, value] of Object.entries(data)) {
        env.set(`${from.prefix ?? ''}${key}`, from.secretRef ? Buffer.from(value, 'base64').toString() : value);
      }
    }
    for (const variable of container.env ?? []) env.set(variable.name, variable.value ?? `<${variable.valueFrom ? 'from a reference' : 'empty'}>`);
    return env;
  }
}

/** Whether every label a selector asks for is on the template. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** The container port a Service's targetPort or a probe's port means: by name or by number. */
export function containerPort(containers: readonly IContainer[], port: string | number | undefined): number | undefined {
  for (const container of containers) {
    for (const p of container.ports ?? []) {
      if (typeof port === 'string' ? p.name === port : p.containerPort === port) return p.containerPort;
    }
  }
  return undefined;
}

/** Which Dish Live image a container runs (`dish`, `web`, …), whatever registry and tag the `images:` entry gives. */
export function dishLiveImage(container: IContainer): string | undefined {
  return /(?:^|\/)dish-live\/([a-z-]+)(?:[:@]|$)/.exec(container.image ?? '')?.[1];
}
