import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readRegistry } from '@platform/registry';
import { repoPath } from '../src/repo.js';
import { actionlint, parseWorkflow, workflowProblems } from '../src/workflows.js';

const dir = repoPath('.github', 'workflows');
const workflows = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));
const read = (file: string) => readFileSync(`${dir}/${file}`, 'utf8');

describe('GitHub workflows', () => {
  it('exist', () => {
    expect(workflows.length).toBeGreaterThan(0);
  });

  it.each(workflows)('%s passes actionlint', async (file) => {
    expect(await actionlint(read(file), `.github/workflows/${file}`)).toEqual([]);
  });

  it.each(workflows)('%s has least-privilege permissions, SHA-pinned actions and token-less checkouts', (file) => {
    expect(workflowProblems(read(file))).toEqual([]);
  });

  it('build an image for every service of the registry, read by a job, never listed by hand', () => {
    const jobs = parseWorkflow(read('ci.yml')).jobs as Record<string, { needs?: string[]; strategy?: { matrix?: { service?: unknown } }; steps?: Array<{ run?: string }> }>;
    expect(jobs.images?.strategy?.matrix?.service).toBe('${{ fromJSON(needs.services.outputs.names) }}');
    expect(jobs.images?.needs).toContain('services');
    expect(jobs.services?.steps?.map((step) => step.run ?? '').join('\n')).toContain('node packages/registry/cli.mjs names');
    // What that job prints here: every service of the registry.
    const printed = execFileSync(process.execPath, [repoPath('packages', 'registry', 'cli.mjs'), 'names'], { encoding: 'utf8' });
    expect((JSON.parse(printed) as string[]).sort()).toEqual(readRegistry().map((service) => service.name).sort());
  });
});

describe('the CI workflow', () => {
  type Step = { uses?: string; run?: string; name?: string };
  const jobs = parseWorkflow(read('ci.yml')).jobs as unknown as Record<string, { needs?: string[]; steps: Step[] }>;
  const runs = (job: string) => jobs[job]!.steps.map((step) => step.run ?? '');

  it('installs what the tests run with scripts/prerequisites.sh, exactly as .ci/run does, before make test', () => {
    const ciRun = readFileSync(repoPath('.ci', 'run'), 'utf8');
    // .ci/run also builds a real image (make image-check), so it asks for that tool set too,
    // and it times each of its steps (`step <name> <command>`).
    expect(ciRun).toMatch(/^(step \S+ )?bash scripts\/prerequisites\.sh install( image-check)?$/m);
    const steps = runs('test');
    const install = steps.findIndex((run) => /^bash scripts\/prerequisites\.sh install$/m.test(run));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(steps.findIndex((run) => /\bmake test\b/.test(run)));
    // No second, hand-kept package list beside it.
    expect(steps.join('\n')).not.toMatch(/apt-get install/);
  });

  it('builds each image once: the kind job loads the images job\'s output and builds none', () => {
    expect(jobs.kind!.needs).toContain('images');
    expect(jobs.images!.steps.some((step) => step.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
    expect(jobs.kind!.steps.some((step) => step.uses?.startsWith('actions/download-artifact@'))).toBe(true);
    const kindRuns = runs('kind').join('\n');
    expect(kindRuns).not.toMatch(/make kind-up|make images|docker build/);
    expect(kindRuns).toMatch(/docker load/);
  });

  it('applies the Prometheus Operator CRDs, at a pinned version, before installing the chart', () => {
    const steps = runs('kind');
    const crds = steps.findIndex((run) => /prometheus-operator\/releases\/download\/\$\{PROMETHEUS_OPERATOR_VERSION\}\/stripped-down-crds\.yaml/.test(run));
    expect(crds).toBeGreaterThanOrEqual(0);
    expect(crds).toBeLessThan(steps.findIndex((run) => /make deploy/.test(run)));
    expect(read('ci.yml')).toMatch(/PROMETHEUS_OPERATOR_VERSION: v\d+\.\d+\.\d+/);
  });
});

describe('the workflow rules', () => {
  const good = read('ci.yml');

  it('flag an unpinned action, a missing top-level permissions block and a write scope', () => {
    const bad = good
      .replace('uses: azure/setup-helm@dda3372f752e03dde6b3237bc9431cdc2f7a02a2 # v5.0.0', 'uses: azure/setup-helm@v4')
      .replace('permissions: {}\n', '')
      .replace('    permissions:\n      contents: read\n    strategy:', '    permissions:\n      contents: write\n    strategy:');
    expect(workflowProblems(bad)).toEqual(
      expect.arrayContaining([
        'the top level does not set `permissions: {}`',
        'azure/setup-helm@v4 is not pinned to a full commit SHA',
        expect.stringMatching(/asks for contents: write/),
      ]),
    );
  });

  it('let actionlint report a broken expression', async () => {
    const broken = good.replace('${{ matrix.service }}:ci', '${{ matrix.servce }}:ci');
    expect((await actionlint(broken, 'ci.yml')).map((result) => result.kind)).toContain('expression');
  });
});
