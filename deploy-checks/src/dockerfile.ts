import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';

/**
 * A Dockerfile run without Docker: each stage is a folder, COPY copies files, RUN runs the
 * command with `sh -c` in the stage's WORKDIR (so RUN commands must use paths relative to it),
 * ARG and ENV become the command's environment. Instructions that only matter to a container
 * runtime (USER, ENTRYPOINT, CMD, EXPOSE, LABEL) are recorded for the caller. A RUN under a
 * comment containing "rehearsal: skip" is not run (OS packages need the real base image).
 */
export interface Instruction {
  keyword: string;
  args: string;
  skip: boolean;
  line: number;
}

export interface Stage {
  name: string;
  base: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  args: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  ran: string[];
  skipped: string[];
}

/** Splits a Dockerfile into instructions, joining `\` continuations and dropping comments. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  let skip = false;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && line.startsWith('#')) {
      if (/rehearsal: skip/.test(line)) skip = true;
      return;
    }
    if (!pending && !line) {
      skip = false;
      return;
    }
    if (!pending) start = index + 1;
    if (line.startsWith('#')) return;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) return;
    const [keyword, ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword!.toUpperCase(), args: rest.join(' '), skip, line: start });
    pending = '';
    skip = false;
  });
  return instructions;
}

function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced?: string, bare?: string) => values[(braced ?? bare)!] ?? '');
}

function jsonOrShell(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
}

/** `KEY=value KEY2="two words"` or the legacy `KEY value`. */
function keyValues(args: string): Array<[string, string]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [key, ...value] = args.split(/\s+/);
    return [[key!, value.join(' ')]];
  }
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)].map(([, key, value]) => [
    key!,
    value!.startsWith('"') ? (JSON.parse(value!) as string) : value!,
  ]);
}

export interface RehearsalOptions {
  dockerfile: string;
  context: string;
  buildArgs: Record<string, string>;
  workDir: string;
  /** Env for RUN commands on top of ARG/ENV (PATH, HOME, the npm cache). */
  hostEnv: Record<string, string | undefined>;
  /** Stop after this stage (e.g. only prune). */
  untilStage?: string;
  log?: (message: string) => void;
}

/** Runs every stage of the Dockerfile; returns the stages by name, the last one under "final". */
export function rehearse(options: RehearsalOptions): Map<string, Stage> {
  const stages = new Map<string, Stage>();
  const globalArgs: Record<string, string> = {};
  let stage: Stage | undefined;
  const inStage = (path: string, current: Stage) =>
    join(current.root, posix.isAbsolute(path) ? path : posix.join(current.workdir, path));

  for (const instruction of parseDockerfile(options.dockerfile)) {
    const values = { ...globalArgs, ...stage?.args, ...stage?.env };
    // RUN gets ARG and ENV as its environment and lets the shell expand them, as Docker does.
    const args = instruction.keyword === 'RUN' ? instruction.args : substitute(instruction.args, values);
    const where = `Dockerfile line ${instruction.line}`;
    if (instruction.keyword === 'ARG') {
      const [name, fallback] = instruction.args.split('=', 2) as [string, string | undefined];
      const value = options.buildArgs[name] ?? (fallback !== undefined ? substitute(fallback, values) : (globalArgs[name] ?? ''));
      if (stage) stage.args[name] = value;
      else globalArgs[name] = value;
      continue;
    }
    if (instruction.keyword === 'FROM') {
      if (stage && stage.name === options.untilStage) break;
      const [base, as, name] = args.split(/\s+/);
      const parent = stages.get(base!);
      const stageName = as?.toUpperCase() === 'AS' ? name! : `stage-${stages.size}`;
      const root = join(options.workDir, stageName);
      if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
      else mkdirSync(root, { recursive: true });
      stage = {
        name: stageName,
        base: base!,
        root,
        workdir: parent?.workdir ?? '/',
        env: { ...parent?.env },
        args: {},
        user: parent?.user,
        entrypoint: parent?.entrypoint,
        cmd: parent?.cmd,
        ran: [],
        skipped: [],
      };
      stages.set(stageName, stage);
      continue;
    }
    if (!stage) throw new Error(`${where}: ${instruction.keyword} before FROM`);
    switch (instruction.keyword) {
      case 'ENV':
        for (const [key, value] of keyValues(args)) stage.env[key] = value;
        break;
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, args);
        mkdirSync(join(stage.root, stage.workdir), { recursive: true });
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((word) => !word.startsWith('--'));
        const destination = paths.pop()!;
        const source = from ? stages.get(from) : undefined;
        if (from && !source) throw new Error(`${where}: COPY --from=${from}: no such stage`);
        const target = inStage(destination, stage);
        const intoDirectory = destination.endsWith('/') || destination === '.' || paths.length > 1;
        for (const path of paths) {
          const origin = source ? join(source.root, posix.resolve(source.workdir, path)) : join(options.context, path);
          if (!existsSync(origin)) throw new Error(`${where}: COPY source ${path} does not exist`);
          const file = !statSync(origin).isDirectory();
          const destinationPath = file && intoDirectory ? join(target, basename(origin)) : target;
          mkdirSync(file ? join(destinationPath, '..') : destinationPath, { recursive: true });
          cpSync(origin, destinationPath, { recursive: true, verbatimSymlinks: true });
        }
        break;
      }
      case 'RUN': {
        if (instruction.skip) {
          stage.skipped.push(args);
          break;
        }
        const [command, ...commandArgs] = jsonOrShell(args);
        options.log?.(`[${stage.name}] RUN ${args}`);
        try {
          execFileSync(command === '/bin/sh' ? 'sh' : command!, commandArgs, {
            cwd: join(stage.root, stage.workdir),
            env: { ...options.hostEnv, ...globalArgs, ...stage.args, ...stage.env },
            stdio: ['ignore', 'pipe', 'pipe'],
            maxBuffer: 64 << 20,
          });
        } catch (error) {
          const failure = error as { stdout?: Buffer; stderr?: Buffer; message: string };
          throw new Error(`${where}: RUN ${args} failed:\n${failure.stdout?.toString() ?? ''}${failure.stderr?.toString() ?? failure.message}`, { cause: error });
        }
        stage.ran.push(args);
        break;
      }
      case 'USER':
        stage.user = args;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = jsonOrShell(args);
        break;
      case 'CMD':
        stage.cmd = jsonOrShell(args);
        break;
      case 'EXPOSE':
      case 'LABEL':
      case 'HEALTHCHECK':
      case 'STOPSIGNAL':
        break;
      default:
        throw new Error(`${where}: the rehearsal does not support ${instruction.keyword}`);
    }
  }
  if (!stage) throw new Error('the Dockerfile has no FROM');
  stages.set('final', stage);
  return stages;
}
