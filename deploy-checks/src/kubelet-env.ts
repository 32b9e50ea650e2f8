import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { byName, type KubeObject, type PodTemplate, secretValues } from './manifests.js';

/**
 * What a container sees, computed from rendered objects as the kubelet does: envFrom
 * ConfigMaps/Secrets, env values with $(VAR) references, valueFrom refs, and Secret/ConfigMap
 * volumes written as files. Mounted paths live under `mountsRoot` here, and env values that
 * point into a mount are rewritten to match, so `<NAME>_FILE` variables keep working.
 */
export interface ContainerView {
  env: Record<string, string>;
  /** mountPath in the pod -> directory on this machine. */
  mounts: Record<string, string>;
}

export interface ViewOptions {
  namespace: string;
  mountsRoot: string;
  /** Applied to every env value and file content (e.g. to point cluster DNS names at 127.0.0.1). */
  rewrite?: (value: string) => string;
  /** The pod's name (metadata.name); default: the workload's first pod, `<name>-0`. */
  podName?: string;
}

function keyValues(objects: readonly KubeObject[], kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> {
  const object = byName(objects, kind, name);
  return kind === 'Secret' ? secretValues(object) : { ...object.data };
}

/** `$(VAR)` expands to an earlier variable; `$$(VAR)` stays literal; unknown references stay as written. */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && name in env ? env[name]! : match;
  });
}

function volumeFiles(objects: readonly KubeObject[], volume: IVolume): Record<string, string> | undefined {
  const source = volume.secret
    ? { kind: 'Secret' as const, name: volume.secret.secretName!, items: volume.secret.items }
    : volume.configMap
      ? { kind: 'ConfigMap' as const, name: volume.configMap.name!, items: volume.configMap.items }
      : undefined;
  if (!source) return undefined;
  const values = keyValues(objects, source.kind, source.name);
  if (!source.items) return values;
  const files: Record<string, string> = {};
  for (const item of source.items) {
    if (!(item.key in values)) throw new Error(`${source.kind}/${source.name} has no key ${item.key} (volume ${volume.name})`);
    files[item.path] = values[item.key]!;
  }
  return files;
}

/** The env and mounted files of one container of a rendered pod. */
export function containerView(
  objects: readonly KubeObject[],
  pod: PodTemplate,
  container: IContainer,
  options: ViewOptions,
): ContainerView {
  const rewrite = options.rewrite ?? ((value: string) => value);
  const mounts: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((candidate) => candidate.name === mount.name);
    const claims = (pod.owner.spec?.volumeClaimTemplates ?? []) as Array<{ metadata: { name: string } }>;
    if (!volume && !claims.some((claim) => claim.metadata.name === mount.name)) {
      throw new Error(`container ${container.name} mounts ${mount.name}, which the pod does not define`);
    }
    const target = join(options.mountsRoot, mount.mountPath);
    mkdirSync(target, { recursive: true });
    for (const [path, content] of Object.entries(volume ? (volumeFiles(objects, volume) ?? {}) : {})) {
      mkdirSync(dirname(join(target, path)), { recursive: true });
      writeFileSync(join(target, path), rewrite(content), { mode: 0o600 });
    }
    mounts[mount.mountPath] = target;
  }

  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    const values = source.configMapRef
      ? keyValues(objects, 'ConfigMap', source.configMapRef.name!)
      : keyValues(objects, 'Secret', source.secretRef!.name!);
    for (const [key, value] of Object.entries(values)) env[prefix + key] = value;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (from?.configMapKeyRef) env[variable.name] = keyValues(objects, 'ConfigMap', from.configMapKeyRef.name!)[from.configMapKeyRef.key] ?? '';
    else if (from?.secretKeyRef) env[variable.name] = keyValues(objects, 'Secret', from.secretKeyRef.name!)[from.secretKeyRef.key] ?? '';
    else if (from?.fieldRef) {
      const fields: Record<string, string> = {
        'metadata.name': options.podName ?? `${pod.owner.metadata.name}-0`,
        'metadata.namespace': options.namespace,
        'status.podIP': '127.0.0.1',
      };
      env[variable.name] = fields[from.fieldRef.fieldPath] ?? '';
    } else env[variable.name] = expand(variable.value ?? '', env);
  }

  for (const [key, value] of Object.entries(env)) {
    let local = rewrite(value);
    for (const [mountPath, target] of Object.entries(mounts)) {
      if (local === mountPath || local.startsWith(`${mountPath}/`)) local = target + local.slice(mountPath.length);
    }
    env[key] = local;
  }
  return { env, mounts };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A function that points cluster DNS names of the rendered Services (and StatefulSet pods behind
 * a headless Service) at 127.0.0.1, where the test runs their stand-ins.
 */
export function clusterNamesToLoopback(objects: readonly KubeObject[], namespace: string): (value: string) => string {
  const services = objects.filter((object) => object.kind === 'Service').map((service) => service.metadata.name);
  const podNames = objects
    .filter((object) => object.kind === 'StatefulSet')
    .map((set) => `${set.metadata.name}-\\d+\\.${String(set.spec?.serviceName ?? '')}`);
  const names = [...podNames, ...services.sort((a, b) => b.length - a.length).map(escape)];
  if (names.length === 0) return (value) => value;
  const suffix = `(?:\\.${escape(namespace)}(?:\\.svc(?:\\.cluster\\.local)?)?)?`;
  const pattern = new RegExp(`(?<![-a-z0-9.])(?:${names.join('|')})${suffix}(?![-a-z0-9])`, 'g');
  return (value) => value.replace(pattern, '127.0.0.1');
}
