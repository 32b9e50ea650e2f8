import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Thrown when the environment does not satisfy a schema; `problems` names every bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Secrets may come from mounted files instead of the environment (Kubernetes Secrets as
 * volumes, Docker secrets): `ADMIN_TOKEN_FILE=/run/secrets/admin-token` stands for
 * `ADMIN_TOKEN`. A value given directly wins over its file.
 */
function resolveFileVariables(keys: readonly string[], env: Env): { env: Env; problems: string[] } {
  const resolved: Env = { ...env };
  const problems: string[] = [];
  for (const key of keys) {
    const file = env[`${key}_FILE`];
    if (resolved[key] !== undefined || !file) continue;
    try {
      resolved[key] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${key}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { env: resolved, problems };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validates `env` against `schema` once, at start. Returns the parsed, frozen values, or
 * throws a ConfigError listing every bad key at once. Values are never echoed back, so a
 * secret that fails validation does not end up in a log.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  env: Env = process.env,
): Readonly<z.output<z.ZodObject<Shape>>> {
  const { env: resolved, problems } = resolveFileVariables(Object.keys(schema.shape), env);
  const parsed = schema.safeParse(resolved);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.') || '(root)';
      const received = resolved[String(issue.path[0])];
      problems.push(`${key}: ${received === undefined ? 'is required' : issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(parsed.data as z.output<z.ZodObject<Shape>>);
}
