import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import {
  containersOf,
  describe,
  isTestHook,
  type KubeObject,
  ofKind,
  type PodTemplate,
  podTemplates,
  secretValues,
  selects,
} from './manifests.js';

/**
 * Policy checks over rendered objects: the rules kube-score, Polaris and Checkov apply that
 * matter for this platform, each named after the tool rule(s) it mirrors. Each rule returns
 * the violations it finds; an empty list means the objects pass.
 * Left out on purpose: kube-score's container-image-pull-policy (it wants Always; kind-loaded
 * images need Never or IfNotPresent) and ephemeral-storage limits (the only writable paths are
 * size-limited emptyDirs).
 */
export interface Violation {
  rule: string;
  object: string;
  message: string;
}

export type Rule = (objects: readonly KubeObject[]) => Violation[];

function violation(rule: string, object: KubeObject, message: string): Violation {
  return { rule, object: describe(object), message };
}

function podViolations(
  rule: string,
  objects: readonly KubeObject[],
  check: (pod: PodTemplate) => string[],
): Violation[] {
  return podTemplates(objects).flatMap((pod) => check(pod).map((message) => violation(rule, pod.owner, message)));
}

function probeKey(probe: IProbe | undefined): string {
  if (!probe) return '';
  return JSON.stringify({ httpGet: probe.httpGet, exec: probe.exec, tcpSocket: probe.tcpSocket, grpc: probe.grpc });
}

/** kube-score container-resources, Polaris cpu/memoryRequestsMissing and cpu/memoryLimitsMissing, Checkov CKV_K8S_10-13. */
export const resourcesSet: Rule = (objects) =>
  podViolations('resources-set', objects, (pod) =>
    containersOf(pod).flatMap(({ container }) => {
      const missing = [
        ['requests', 'cpu'],
        ['requests', 'memory'],
        ['limits', 'cpu'],
        ['limits', 'memory'],
      ].filter(([kind, resource]) => {
        const values = container.resources?.[kind as 'requests' | 'limits'] as Record<string, unknown> | undefined;
        return values?.[resource!] === undefined;
      });
      return missing.map(([kind, resource]) => `container ${container.name} has no ${kind}.${resource}`);
    }),
  );

/**
 * kube-score container-probes (readiness present, liveness not identical to readiness),
 * Polaris readiness/livenessProbeMissing, Checkov CKV_K8S_8/9. Test pods and init containers
 * run to completion and need none.
 */
export const probesPresentAndDistinct: Rule = (objects) =>
  podViolations('probes', objects, (pod) => {
    if (isTestHook(pod.owner)) return [];
    return pod.spec.containers.flatMap((container) => {
      const problems: string[] = [];
      if (!container.livenessProbe) problems.push(`container ${container.name} has no livenessProbe`);
      if (!container.readinessProbe) problems.push(`container ${container.name} has no readinessProbe`);
      if (container.livenessProbe && probeKey(container.livenessProbe) === probeKey(container.readinessProbe)) {
        problems.push(`container ${container.name}: liveness and readiness probes are identical`);
      }
      return problems;
    });
  });

/** Probes refer to ports the container declares (a typo in a named port fails only at runtime). */
export const probePortsDeclared: Rule = (objects) =>
  podViolations('probe-ports', objects, (pod) =>
    containersOf(pod).flatMap(({ container }) =>
      (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).flatMap((kind) => {
        const port = container[kind]?.httpGet?.port ?? container[kind]?.tcpSocket?.port;
        if (port === undefined || typeof port === 'number') return [];
        const declared = (container.ports ?? []).some((p) => p.name === port);
        return declared ? [] : [`container ${container.name} ${kind} uses port "${port}", which it does not declare`];
      }),
    ),
  );

/**
 * Pod Security Standard "restricted" plus a read-only root filesystem and a high UID:
 * kube-score container-security-context-*, Polaris runAsRootAllowed/privilegeEscalationAllowed/
 * dangerousCapabilities/notReadOnlyRootFilesystem/hostNetwork..., Checkov CKV_K8S_20/22/23/25/28/37/40.
 */
export const restrictedSecurityContext: Rule = (objects) =>
  podViolations('restricted-security-context', objects, (pod) => {
    const problems: string[] = [];
    const podContext = pod.spec.securityContext ?? {};
    if (pod.spec.hostNetwork || pod.spec.hostPID || pod.spec.hostIPC) problems.push('uses a host namespace');
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.hostPath) problems.push(`volume ${volume.name} is a hostPath`);
    }
    const podSeccomp = podContext.seccompProfile?.type;
    for (const { container } of containersOf(pod)) {
      const context = container.securityContext ?? {};
      const name = `container ${container.name}`;
      if (context.privileged) problems.push(`${name} is privileged`);
      if (context.allowPrivilegeEscalation !== false) problems.push(`${name} does not set allowPrivilegeEscalation: false`);
      if (!(context.capabilities?.drop ?? []).includes('ALL')) problems.push(`${name} does not drop ALL capabilities`);
      const added = (context.capabilities?.add ?? []).filter((capability) => capability !== 'NET_BIND_SERVICE');
      if (added.length > 0) problems.push(`${name} adds capabilities ${added.join(', ')}`);
      if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${name} may run as root (runAsNonRoot)`);
      const uid = context.runAsUser ?? podContext.runAsUser;
      if (uid === undefined || uid < 10000) problems.push(`${name} runs as uid ${uid ?? '(image default)'}, not a high uid (>= 10000)`);
      const seccomp = context.seccompProfile?.type ?? podSeccomp;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${name} has no RuntimeDefault seccomp profile`);
      if (context.readOnlyRootFilesystem !== true) problems.push(`${name} has a writable root filesystem`);
      for (const port of container.ports ?? []) {
        if (port.hostPort) problems.push(`${name} binds hostPort ${port.hostPort}`);
      }
    }
    return problems;
  });

/** Checkov CKV_K8S_38: no service-account token in pods that never call the API. */
export const noServiceAccountToken: Rule = (objects) =>
  podViolations('no-service-account-token', objects, (pod) =>
    pod.spec.automountServiceAccountToken === false ? [] : ['automountServiceAccountToken is not false'],
  );

function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

/** kube-score container-image-tag, Polaris tagNotSpecified, Checkov CKV_K8S_14: a pinned tag, never latest. */
export const noLatestTag: Rule = (objects) =>
  podViolations('image-tag', objects, (pod) =>
    containersOf(pod).flatMap(({ container }: { container: IContainer }) => {
      const image = container.image ?? '';
      const tag = imageTag(image);
      if (image.includes('@sha256:')) return [];
      if (!tag) return [`container ${container.name} image ${image} has no tag`];
      return tag === 'latest' ? [`container ${container.name} image ${image} uses latest`] : [];
    }),
  );

function pdbSelector(pdb: KubeObject): Record<string, string> | undefined {
  return (pdb.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
}

/** kube-score deployment/statefulset-has-poddisruptionbudget: every workload that can run more than one pod has a PDB. */
export const pdbForReplicatedWorkloads: Rule = (objects) => {
  const pdbs = ofKind(objects, 'PodDisruptionBudget');
  const autoscaled = new Set(
    ofKind(objects, 'HorizontalPodAutoscaler').map((hpa) => (hpa.spec?.scaleTargetRef as { name?: string } | undefined)?.name),
  );
  return podTemplates(objects)
    .filter((pod) => pod.replicas > 1 || autoscaled.has(pod.owner.metadata.name))
    .filter((pod) => !pdbs.some((pdb) => selects(pdbSelector(pdb), pod.labels)))
    .map((pod) => violation('pdb', pod.owner, `${pod.replicas} replicas (or autoscaled) but no PodDisruptionBudget selects its pods`));
};

/** kube-score pod-networkpolicy: a NetworkPolicy selects every pod, the helm test pod included. */
export const networkPolicyForEveryPod: Rule = (objects) => {
  const policies = ofKind(objects, 'NetworkPolicy');
  return podTemplates(objects)
    .filter((pod) =>
      !policies.some((policy) => {
        const selector = (policy.spec?.podSelector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
        return selects(selector, pod.labels);
      }),
    )
    .map((pod) => violation('network-policy', pod.owner, 'no NetworkPolicy selects its pods'));
};

const SECRET_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/**
 * Checkov CKV_K8S_35 and secret scanners: no secret value in a ConfigMap. Flags keys that name a
 * secret (unless they are `<NAME>_FILE` paths), URLs with a password, and any value of a rendered
 * Secret found in a ConfigMap.
 */
export const noSecretsInConfigMaps: Rule = (objects) => {
  const secrets = ofKind(objects, 'Secret')
    .flatMap((secret) => Object.values(secretValues(secret)))
    .filter((value) => value.length >= 8);
  return ofKind(objects, 'ConfigMap').flatMap((configMap) =>
    Object.entries(configMap.data ?? {}).flatMap(([key, value]) => {
      const problems: string[] = [];
      if (SECRET_NAME.test(key) && !key.endsWith('_FILE')) problems.push(`key ${key} names a secret`);
      if (/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i.test(value)) problems.push(`key ${key} holds a URL with a password`);
      if (secrets.some((secret) => value.includes(secret))) problems.push(`key ${key} holds the value of a Secret`);
      return problems.map((message) => violation('no-secret-in-configmap', configMap, message));
    }),
  );
};

/** kube-score service-targets-pod and the named-port check: every Service selects pods that declare its target ports. */
export const servicesTargetPods: Rule = (objects) =>
  ofKind(objects, 'Service').flatMap((service) => {
    const selector = service.spec?.selector as Record<string, string> | undefined;
    const pods = podTemplates(objects).filter((pod) => !isTestHook(pod.owner) && selects(selector, pod.labels));
    if (pods.length === 0) return [violation('service-targets-pod', service, 'selects no pod')];
    const ports = (service.spec?.ports ?? []) as Array<{ name?: string; targetPort?: string | number }>;
    return ports.flatMap((port) => {
      if (typeof port.targetPort !== 'string') return [];
      const declared = pods.every((pod) =>
        pod.spec.containers.some((container) => (container.ports ?? []).some((p) => p.name === port.targetPort)),
      );
      return declared ? [] : [violation('service-targets-pod', service, `targetPort "${port.targetPort}" is not a port of its pods`)];
    });
  });

/** kube-score horizontalpodautoscaler-has-target; a fixed replica count beside an HPA fights it on every upgrade. */
export const hpaTargetsDeployment: Rule = (objects) =>
  ofKind(objects, 'HorizontalPodAutoscaler').flatMap((hpa) => {
    const target = hpa.spec?.scaleTargetRef as { kind: string; name: string };
    const workload = objects.find((object) => object.kind === target.kind && object.metadata.name === target.name);
    if (!workload) return [violation('hpa-target', hpa, `targets ${target.kind}/${target.name}, which is not rendered`)];
    return workload.spec?.replicas === undefined ? [] : [violation('hpa-target', workload, 'sets replicas although an HPA scales it')];
  });

/** kube-score deployment-has-host-podantiaffinity: replicated pods spread over nodes (anti-affinity or a topology spread). */
export const replicasSpread: Rule = (objects) =>
  podViolations('spread', objects, (pod) => {
    if (pod.replicas < 2) return [];
    const spread = (pod.spec.topologySpreadConstraints ?? []).length > 0 || pod.spec.affinity?.podAntiAffinity !== undefined;
    return spread ? [] : ['more than one replica and no podAntiAffinity or topologySpreadConstraints'];
  });

/** Every rule, in the order a report lists them. */
export const ALL_RULES: Record<string, Rule> = {
  resourcesSet,
  probesPresentAndDistinct,
  probePortsDeclared,
  restrictedSecurityContext,
  noServiceAccountToken,
  noLatestTag,
  pdbForReplicatedWorkloads,
  networkPolicyForEveryPod,
  noSecretsInConfigMaps,
  servicesTargetPods,
  hpaTargetsDeployment,
  replicasSpread,
};

/** Runs the given rules (all by default) and returns every violation. */
export function checkPolicies(objects: readonly KubeObject[], rules: readonly Rule[] = Object.values(ALL_RULES)): Violation[] {
  return rules.flatMap((rule) => rule(objects));
}
