import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerView } from './kubelet-env.js';
import { byName, type KubeObject, podTemplates } from './manifests.js';

/** The Redis the chart configures, as redis-server arguments for a test server. */
export interface ChartRedis {
  /** The port the chart's Service (and so every client) uses. */
  port: number;
  /** redis.conf as the pod's init script writes it, as `--directive value...` arguments. */
  args: string[];
  /** The redis.conf that the init script wrote. */
  config: string;
  /** The Redis container's exec probes, with the pod's paths mapped to local files. */
  probes: Array<{ kind: string; command: string[]; env: Record<string, string> }>;
}

/** Directives the test server sets for itself: it listens on loopback in its own directory. */
const SERVER_OWNED = new Set(['port', 'bind', 'dir', 'protected-mode', 'replica-announce-ip', 'replicaof']);

/** Splits a redis.conf line the way Redis does for the simple cases it writes: words and "quoted strings". */
export function configWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  return words;
}

/** redis.conf text -> redis-server arguments (`--user a on >pw ~*` stays one directive). */
export function configToArgs(config: string): string[] {
  const args: string[] = [];
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [directive, ...values] = configWords(line);
    if (!directive || SERVER_OWNED.has(directive) || directive.startsWith('tls-')) continue;
    args.push(`--${directive}`, ...(values.length > 0 ? values : ['']));
  }
  return args;
}

/**
 * Runs the Redis chart's own init script (from its rendered ConfigMap, with the env, ConfigMap
 * and Secret files its StatefulSet gives the init container) in `workDir`, and returns the
 * configuration it wrote. Standalone charts only: with replication it would wait for peers.
 */
export function chartRedis(objects: readonly KubeObject[], namespace: string, workDir: string): ChartRedis {
  const set = objects.find((object) => object.kind === 'StatefulSet' && object.metadata.labels?.['app.kubernetes.io/component'] === 'redis');
  if (!set) throw new Error('no Redis StatefulSet among the rendered objects');
  const pod = podTemplates([set])[0]!;
  const init = (pod.spec.initContainers ?? []).find((container) => container.name === 'config');
  if (!init) throw new Error(`${set.metadata.name} has no "config" init container`);
  const view = containerView(objects, pod, init, { namespace, mountsRoot: join(workDir, 'root') });
  const scripts = view.mounts['/opt/redis/scripts'];
  if (!scripts) throw new Error('the init container does not mount /opt/redis/scripts');
  const runDir = join(workDir, 'run');
  mkdirSync(runDir, { recursive: true });
  execFileSync('sh', [join(scripts, 'init.sh')], {
    env: {
      PATH: process.env.PATH,
      ...view.env,
      CONFIG_DIR: view.mounts['/opt/redis/config'],
      SECRETS_DIR: view.mounts['/opt/redis/secrets'] ?? join(workDir, 'no-secrets'),
      ACL_DIR: view.mounts['/opt/redis/acl'] ?? join(workDir, 'no-acl'),
      RUN_DIR: runDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const config = readFileSync(join(runDir, 'redis.conf'), 'utf8');
  writeFileSync(join(workDir, 'redis.conf'), config);
  const service = byName(objects, 'Service', set.metadata.name);
  const port = ((service.spec?.ports ?? []) as Array<{ name: string; port: number }>).find((p) => p.name === 'redis')?.port;
  if (!port) throw new Error(`Service/${set.metadata.name} has no port named redis`);
  const redis = pod.spec.containers.find((container) => container.name === 'redis');
  if (!redis) throw new Error(`${set.metadata.name} has no "redis" container`);
  const redisView = containerView(objects, pod, redis, { namespace, mountsRoot: join(workDir, 'root') });
  const probes = (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).map((kind) => {
    const command = redis[kind]?.exec?.command;
    if (!command) throw new Error(`the redis container has no exec ${kind}`);
    return {
      kind,
      command: command.map((word) => word.replace('/opt/redis/scripts', redisView.mounts['/opt/redis/scripts']!)),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...redisView.env, SECRETS_DIR: redisView.mounts['/opt/redis/secrets'] ?? '' },
    };
  });
  return { port, args: configToArgs(config), config, probes };
}
