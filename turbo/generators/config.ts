// `make service NAME=<name> [KIND=rpc|worker] [ROUTE=yes]` (or `npx turbo gen service`): a new
// service in one command. It writes services/<name>/ and contracts/<name>/ from templates/,
// gives the service the next free port in the registry (its package.json `platform` field),
// links the new workspaces (npm install) and writes the files derived from the registry
// (make derive). Everything that lists services reads the registry, so nothing else is edited,
// except the gateway when a route is asked for. test/generator.spec.ts runs it in a copy of
// the repository and proves the result builds, tests, runs and deploys.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlopTypes } from '@turbo/gen';
import { readRegistry } from '../../packages/registry/index.mjs';

const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const KINDS = ['rpc', 'worker'] as const;
/** Ports from here up go to new services; 9000+ is left to exporters and tools. */
const FIRST_PORT = 3000;

interface Answers {
  name: string;
  kind: (typeof KINDS)[number];
  route: boolean;
  description: string;
  port: number;
  turbo: { paths: { root: string } };
}

/** The lowest port at or above FIRST_PORT that no service of the registry uses. */
function nextFreePort(root: string): number {
  const used = new Set(readRegistry(root).flatMap((service) => [service.port, ...service.extraPorts.map((extra) => extra.port)]));
  let port = FIRST_PORT;
  while (used.has(port)) port += 1;
  return port;
}

function run(root: string, command: string, args: string[]): string {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
  return `${command} ${args.join(' ')}`;
}

/** Adds the new service to the gateway: its contract as a dependency, and to the registry's calls. */
function wireGateway(root: string, name: string): string {
  const file = join(root, 'services', 'gateway', 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  pkg.dependencies = Object.fromEntries(Object.entries({ ...pkg.dependencies, [`@contracts/${name}`]: '*' }).sort(([a], [b]) => a.localeCompare(b)));
  pkg.platform.calls = [...new Set([...pkg.platform.calls, name])];
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return 'services/gateway/package.json: calls and the contract dependency';
}

export default function generator(plop: PlopTypes.NodePlopAPI): void {
  plop.setGenerator('service', {
    description: 'A new service: services/<name>/, contracts/<name>/, its registry entry',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'Service name (lower-case letters, digits and dashes, e.g. orders)',
        validate: (input: string) => {
          if (!NAME.test(input)) return 'lower-case letters, digits and dashes, 3 to 32 characters, starting with a letter';
          const root = process.env.PLATFORM_ROOT ?? process.cwd();
          if (existsSync(join(root, 'services', input)) || existsSync(join(root, 'contracts', input))) return `services/${input} or contracts/${input} exists already`;
          return true;
        },
      },
      { type: 'list', name: 'kind', message: 'Kind', choices: [...KINDS], default: 'rpc' },
      { type: 'confirm', name: 'route', message: 'Add a gateway route for it', default: false },
      {
        type: 'input',
        name: 'description',
        message: 'What it does, in one line',
        default: (answers: Answers) => `The ${answers.name} service.`,
      },
    ],
    actions: (data) => {
      const answers = data as Answers;
      const root = answers.turbo.paths.root;
      answers.port = nextFreePort(root);
      const templates = join(root, 'turbo', 'generators', 'templates');
      const into = (destination: string, folder: string) => ({
        type: 'addMany' as const,
        destination: join(root, destination),
        base: join(templates, folder),
        templateFiles: join(templates, folder, '**/*'),
        globOptions: { dot: true },
        stripExtensions: ['hbs'],
        abortOnFail: true,
      });
      const actions: PlopTypes.ActionType[] = [
        into('contracts/{{name}}', 'contract'),
        // What the contract declares differs by kind: requests for rpc, a queue for worker.
        into('contracts/{{name}}', `contract-${answers.kind}`),
        into('services/{{name}}', 'common'),
        into('services/{{name}}', answers.kind),
      ];
      if (answers.route) {
        if (answers.kind !== 'rpc') {
          throw new Error(`ROUTE=yes needs KIND=rpc: a gateway route calls the service's requests, and a ${answers.kind} answers none (a caller adds its jobs with QueueProducer and its contract)`);
        }
        actions.push(into('services/gateway/src/{{name}}', 'gateway-route'), {
          type: 'modify',
          path: join(root, 'services', 'gateway', 'src', 'app.module.ts'),
          pattern: /(\n@Module)/,
          template: "import { {{pascalCase name}}Module } from './{{name}}/{{name}}.module.js';\n$1",
        }, {
          type: 'modify',
          path: join(root, 'services', 'gateway', 'src', 'app.module.ts'),
          pattern: /(\n(\s*)\/\/ generated routes: make service ROUTE=yes adds its module here\n)/,
          template: '$1$2{{pascalCase name}}Module,\n',
        }, {
          // The public Ingress routes only the listed prefixes: the new route's goes in.
          type: 'modify',
          path: join(root, 'charts', 'platform', 'values.yaml'),
          pattern: /(\n(\s*)# generated routes: make service ROUTE=yes adds its prefix here\n)/,
          template: '$1$2- /{{name}}\n',
        }, () => wireGateway(root, answers.name));
      }
      actions.push(
        () => run(root, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']),
        () => run(root, process.execPath, [join(root, 'packages', 'registry', 'cli.mjs'), 'derive']),
        () => `services/${answers.name} (${answers.kind}, port ${answers.port}) is in the registry: make dev starts it, make test runs its tests`,
      );
      return actions;
    },
  });
}
