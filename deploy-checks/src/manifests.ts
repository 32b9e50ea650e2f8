import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';

/** Any rendered Kubernetes object: typed access goes through the helpers below. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** A workload's pod: its labels and spec, with where it came from. */
export interface PodTemplate {
  owner: KubeObject;
  labels: Record<string, string>;
  spec: IPodSpec;
  replicas: number;
}

/** `Kind/name`, for messages. */
export function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

export function ofKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function byName(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among the rendered objects`);
  return found;
}

/** The pod of every Deployment, StatefulSet, DaemonSet, Job and bare Pod. */
export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  const pods: PodTemplate[] = [];
  for (const object of objects) {
    const spec = object.spec ?? {};
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(object.kind)) {
      const template = spec.template as { metadata?: { labels?: Record<string, string> }; spec: IPodSpec };
      const replicas = object.kind === 'Deployment' || object.kind === 'StatefulSet' ? Number(spec.replicas ?? 1) : 1;
      pods.push({ owner: object, labels: template.metadata?.labels ?? {}, spec: template.spec, replicas });
    } else if (object.kind === 'Pod') {
      pods.push({ owner: object, labels: object.metadata.labels ?? {}, spec: spec as unknown as IPodSpec, replicas: 1 });
    }
  }
  return pods;
}

/** Init containers first, then the long-running ones. */
export function containersOf(pod: PodTemplate): Array<{ container: IContainer; init: boolean }> {
  return [
    ...(pod.spec.initContainers ?? []).map((container) => ({ container, init: true })),
    ...pod.spec.containers.map((container) => ({ container, init: false })),
  ];
}

/** Whether a label selector (`matchLabels` only, as our charts write them) selects these labels. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** A Secret's values, decoded. */
export function secretValues(secret: KubeObject): Record<string, string> {
  const values: Record<string, string> = { ...secret.stringData };
  for (const [key, encoded] of Object.entries(secret.data ?? {})) values[key] = Buffer.from(encoded, 'base64').toString('utf8');
  return values;
}

/** Whether the object is a helm test hook (not part of the installed release). */
export function isTestHook(object: KubeObject): boolean {
  return object.metadata.annotations?.['helm.sh/hook'] === 'test';
}
