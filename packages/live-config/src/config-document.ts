import { PLATFORM_CONFIG_DEFAULTS, PlatformConfig } from '@platform/contracts';

/** The configuration as stored: its values and the version of the write that produced them. */
export interface ConfigDocument {
  /** 0 while no document was ever written (the values are then the defaults). */
  readonly version: number;
  readonly values: Readonly<PlatformConfig>;
}

/** The document a service uses before anything was written. */
export const DEFAULT_DOCUMENT: ConfigDocument = Object.freeze({ version: 0, values: PLATFORM_CONFIG_DEFAULTS });

/** Thrown when a proposed configuration does not satisfy PlatformConfig; nothing was written. */
export class InvalidConfigError extends Error {
  /** One readable sentence per problem, e.g. `auth.loginMaxAttempts: Too small: expected number to be >=1`. */
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'InvalidConfigError';
  }
}

/** Validates a whole configuration (defaults for absent keys, unknown keys refused). */
export function validateConfig(candidate: unknown): Readonly<PlatformConfig> {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new InvalidConfigError(['expected a JSON object of {"key": value}']);
  }
  const parsed = PlatformConfig.safeParse(candidate);
  if (!parsed.success) {
    throw new InvalidConfigError(
      parsed.error.issues.map((issue) => {
        const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '';
        return where ? `${where}: ${issue.message}` : issue.message;
      }),
    );
  }
  return Object.freeze(parsed.data);
}

/**
 * Reads what HMGET returned for `version` and `document`. Keys this build does not know are
 * dropped (a newer build may have written them during a rolling update); a value this build
 * refuses makes the whole stored document unusable, reported as an InvalidConfigError.
 */
export function parseStoredDocument(version: string | null, document: string | null): ConfigDocument {
  if (version === null || document === null) return DEFAULT_DOCUMENT;
  const known = Object.keys(PlatformConfig.shape);
  let raw: unknown;
  try {
    raw = JSON.parse(document);
  } catch {
    throw new InvalidConfigError(['the stored document is not JSON']);
  }
  const values =
    typeof raw === 'object' && raw !== null ? Object.fromEntries(Object.entries(raw).filter(([key]) => known.includes(key))) : raw;
  return Object.freeze({ version: Number(version), values: validateConfig(values) });
}
