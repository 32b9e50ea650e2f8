import type { KubeObject } from './manifests.js';

/** One path of an Ingress rule. */
export interface IngressPath {
  path: string;
  pathType: string;
}

/** Every path of an Ingress's rules. */
export function ingressPaths(ingress: KubeObject): IngressPath[] {
  const rules = (ingress.spec?.rules ?? []) as Array<{ http?: { paths?: Array<{ path?: string; pathType: string }> } }>;
  return rules.flatMap((rule) => (rule.http?.paths ?? []).map(({ path = '/', pathType }) => ({ path, pathType })));
}

/**
 * Whether a request for `requestPath` reaches a backend through these paths, as Kubernetes
 * defines the match: `Exact` the path itself; `Prefix` the path and what lies under it, element
 * by element (`/auth` reaches `/auth` and `/auth/me`, not `/authx`). `ImplementationSpecific`
 * counts as Prefix: for a check of what is exposed, the wider reading.
 */
export function routesPath(paths: readonly IngressPath[], requestPath: string): boolean {
  return paths.some(({ path, pathType }) => {
    if (pathType === 'Exact') return requestPath === path;
    const prefix = path.replace(/\/+$/, '');
    return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
  });
}
