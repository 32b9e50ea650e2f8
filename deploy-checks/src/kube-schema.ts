import { describe, type KubeObject } from './manifests.js';

/**
 * Offline validation against the Kubernetes OpenAPI schemas: kubernetes-models ships them
 * compiled by ajv (Kubernetes 1.34), and @kubernetes-models/prometheus-operator does the same
 * for the Prometheus Operator CRDs (ServiceMonitor, PrometheusRule, ...). The OpenAPI schemas do
 * not forbid unknown fields, so a misspelt optional field passes here; the policy checks read
 * the fields that matter (probes, resources, security contexts) and fail when they are absent.
 */
interface ModelClass {
  new (data: unknown): { validate(): void };
}

const CRD_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

function modelModule(apiVersion: string, kind: string): string {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  const base = CRD_PACKAGES[group] ?? 'kubernetes-models';
  return `${base}/${apiVersion}/${kind}`;
}

const models = new Map<string, ModelClass | undefined>();

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const path = modelModule(apiVersion, kind);
  if (!models.has(path)) {
    try {
      const module = (await import(path)) as Record<string, unknown>;
      models.set(path, module[kind] as ModelClass | undefined);
    } catch (error) {
      // Only a missing module means "no schema"; anything else is a real failure.
      if (!/Cannot find module|ERR_MODULE_NOT_FOUND|Package subpath/.test(String((error as Error).message))) throw error;
      models.set(path, undefined);
    }
  }
  return models.get(path);
}

/** The schema errors of one object: an empty list when it is valid; an unknown kind is an error. */
export async function schemaErrors(object: KubeObject): Promise<string[]> {
  const Model = await modelFor(object.apiVersion, object.kind);
  if (!Model) return [`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${describe(object)}: ${(error as Error).message}`];
  }
}

/** The schema errors of every object. */
export async function allSchemaErrors(objects: readonly KubeObject[]): Promise<string[]> {
  // One at a time: concurrent first imports of the same modules race in jest's ESM loader.
  const errors: string[] = [];
  for (const object of objects) errors.push(...(await schemaErrors(object)));
  return errors;
}
