/**
 * Runs a config loader that should refuse its env, and returns the problems it names
 * (a @platform/config ConfigError's `problems`). Fails when it does not refuse.
 */
export function configProblems(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    const problems = (error as { problems?: unknown }).problems;
    if (Array.isArray(problems)) return problems as string[];
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}
