import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ManagedProcess, waitFor } from '@platform/testing';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { containerView } from './kubelet-env.js';
import { type KubeObject, podTemplates } from './manifests.js';

const run = promisify(execFile);

/**
 * The Redis chart's StatefulSet run on this machine as it runs in a cluster: for each pod, the
 * chart's own init.sh writes redis.conf and sentinel.conf from the rendered ConfigMap, Secret
 * and env, and the chart's own probe.sh and prestop.sh answer and hand over, as the kubelet
 * would call them. Each pod gets its own loopback address (127.0.0.10, .11, ...) and the
 * chart's ports, so the pods find each other under their cluster names exactly as written;
 * only name resolution is stood in for, by a `redis-cli` wrapper that maps the pods' DNS names
 * (and `localhost`, which is the pod itself) to those addresses.
 */
export interface RedisPodsOptions {
  namespace: string;
  workDir: string;
  /** Where `/opt/redis/tls` (tls.crt, tls.key, ca.crt) is, when the chart serves TLS. */
  tlsDir?: string;
}

interface Container {
  env: Record<string, string>;
}

interface Pod {
  index: number;
  name: string;
  ip: string;
  dir: string;
  redis?: ManagedProcess;
  sentinel?: ManagedProcess;
  containers: { init: Container; redis: Container; sentinel?: Container; aclSync?: Container };
}

const named = (list: IContainer[] | undefined, name: string) => list?.find((container) => container.name === name);

export class RedisPods {
  private constructor(
    private readonly pods: Pod[],
    /** The chart's Redis and Sentinel ports (the same on every pod, as in the cluster). */
    readonly redisPort: number,
    readonly sentinelPort: number,
    private readonly options: RedisPodsOptions,
    private readonly rewrite: (text: string) => string,
    /** Writes every pod's mounted files again from rendered objects (as the kubelet updates volumes). */
    private readonly remount: (objects: readonly KubeObject[]) => void,
  ) {}

  /**
   * Prepares every pod of the rendered Redis StatefulSet (pods are started by `start`). The
   * chart must be rendered with free ports (`service.port`, `sentinel.port`): every pod listens
   * on them, each on its own address.
   */
  static prepare(objects: readonly KubeObject[], options: RedisPodsOptions): RedisPods {
    const set = objects.find((object) => object.kind === 'StatefulSet' && object.metadata.labels?.['app.kubernetes.io/component'] === 'redis');
    if (!set) throw new Error('no Redis StatefulSet among the rendered objects');
    const template = podTemplates([set])[0]!;
    const hostDomain = `${String(set.spec!.serviceName)}.${options.namespace}.svc.cluster.local`;
    const pods: Pod[] = [];
    const views = (from: readonly KubeObject[], name: string, dir: string) => {
      const view = (container: IContainer | undefined) => {
        if (!container) return undefined;
        const { env, mounts } = containerView(from, template, container, { namespace: options.namespace, mountsRoot: join(dir, 'root', container.name), podName: name });
        return {
          env: {
            ...env,
            CONFIG_DIR: mounts['/opt/redis/config'] ?? '',
            SECRETS_DIR: mounts['/opt/redis/secrets'] ?? join(dir, 'no-secrets'),
            SCRIPTS_DIR: mounts['/opt/redis/scripts'] ?? '',
            ACL_DIR: mounts['/opt/redis/acl'] ?? join(dir, 'no-acl'),
            STATE_DIR: mounts['/tmp'] ?? dir,
          },
        };
      };
      return {
        init: view(named(template.spec.initContainers, 'config'))!,
        redis: view(named(template.spec.containers, 'redis'))!,
        sentinel: view(named(template.spec.containers, 'sentinel')),
        aclSync: view(named(template.spec.containers, 'acl-sync')),
      };
    };
    for (let index = 0; index < template.replicas; index++) {
      const name = `${set.metadata.name}-${index}`;
      const dir = join(options.workDir, name);
      pods.push({ index, name, ip: `127.0.0.${10 + index}`, dir, containers: views(objects, name, dir) });
    }
    const first = pods[0]!.containers.redis.env;
    const hosts = pods.map((pod) => [`${pod.name}.${hostDomain}`, pod.ip] as const);
    const rewrite = (text: string) => {
      let out = text.replaceAll('/opt/redis/tls', options.tlsDir ?? '/opt/redis/tls');
      for (const [host, ip] of hosts) out = out.replaceAll(host, ip);
      return out;
    };
    const remount = (from: readonly KubeObject[]) => {
      for (const pod of pods) views(from, pod.name, pod.dir);
    };
    const redisPods = new RedisPods(pods, Number(first.REDIS_PORT), Number(first.SENTINEL_PORT), options, rewrite, remount);
    redisPods.writeResolver(hosts);
    return redisPods;
  }

  /** `ip:port,...` of the Sentinels: REDIS_SENTINELS. */
  get sentinelAddresses(): Array<{ host: string; port: number }> {
    return this.pods.map((pod) => ({ host: pod.ip, port: this.sentinelPort }));
  }

  get size(): number {
    return this.pods.length;
  }

  /** Starts every pod in order, as the StatefulSet does (OrderedReady). */
  async start(): Promise<void> {
    for (const pod of this.pods) await this.startPod(pod.index);
  }

  /** The init container, then Redis (and Sentinel); resolves once the readiness probes pass. */
  async startPod(index: number): Promise<void> {
    const pod = this.pods[index]!;
    const runDir = join(pod.dir, 'run');
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    mkdirSync(join(pod.dir, 'data'), { recursive: true });
    mkdirSync(join(pod.dir, 'tmp'), { recursive: true });
    const init = pod.containers.init;
    await run('sh', [join(init.env.SCRIPTS_DIR!, 'init.sh')], { env: this.podEnv(pod, init.env, { RUN_DIR: runDir }) }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`init.sh of ${pod.name} failed: ${error.message}\n${error.stderr ?? ''}`);
    });
    const local = (conf: string, dir: string) => {
      const path = join(runDir, conf);
      const text = this.rewrite(readFileSync(path, 'utf8'))
        .replace(/^bind .*$/m, `bind ${pod.ip}`)
        .replace(/^dir .*$/m, `dir ${dir}`);
      writeFileSync(path, text);
      return path;
    };
    const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    pod.redis = ManagedProcess.spawn(binary, [local('redis.conf', join(pod.dir, 'data'))]);
    if (pod.containers.sentinel) pod.sentinel = ManagedProcess.spawn(binary, [local('sentinel.conf', join(pod.dir, 'tmp')), '--sentinel']);
    await waitFor(`${pod.name} to pass its readiness probes`, async () => {
      for (const process of [pod.redis, pod.sentinel]) {
        if (process?.hasExited) throw new Error(`${pod.name} exited:\n${process.output.tail()}`);
      }
      return (await this.probe(index, 'ready', 'redis')) && (!pod.sentinel || (await this.probe(index, 'ready', 'sentinel')));
    }, { timeoutMs: 20_000, intervalMs: 100 });
  }

  /**
   * Writes the pods' mounted ConfigMap and Secret files again from newly rendered objects, as
   * the kubelet updates a mounted volume in place after an upgrade (running processes stay).
   */
  updateVolumes(objects: readonly KubeObject[]): void {
    this.remount(objects);
  }

  /** One round of a pod's `acl-sync` container (`acl-sync.sh once`); returns its output. */
  async syncAcl(index: number): Promise<string> {
    const pod = this.pods[index]!;
    const env = pod.containers.aclSync?.env;
    if (!env) throw new Error(`${pod.name} has no acl-sync container`);
    const result = await run('sh', [join(env.SCRIPTS_DIR!, 'acl-sync.sh'), 'once'], { env: this.podEnv(pod, env) });
    return `${result.stdout}${result.stderr}`;
  }

  /** The Redis address of each pod. */
  get redisAddresses(): Array<{ host: string; port: number }> {
    return this.pods.map((pod) => ({ host: pod.ip, port: this.redisPort }));
  }

  /** Runs the chart's probe.sh for one container of a pod; true when it exits 0. */
  async probe(index: number, kind: 'live' | 'ready', container: 'redis' | 'sentinel'): Promise<boolean> {
    const pod = this.pods[index]!;
    const env = pod.containers[container]!.env;
    return run('sh', [join(env.SCRIPTS_DIR!, 'probe.sh'), kind, container], { env: this.podEnv(pod, env) }).then(() => true, () => false);
  }

  /**
   * Stops a pod as the kubelet does: each container's preStop hook (when `preStop`), all at
   * once, then SIGTERM to each container whose hook has returned. Resolves when both exited.
   */
  async stopPod(index: number, options: { preStop: boolean }): Promise<{ preStopOutput: string }> {
    const pod = this.pods[index]!;
    const containers = [
      { name: 'redis' as const, process: pod.redis },
      ...(pod.sentinel ? [{ name: 'sentinel' as const, process: pod.sentinel }] : []),
    ];
    const outputs = await Promise.all(containers.map(async ({ name, process }) => {
      let output = '';
      if (options.preStop) {
        const env = pod.containers[name]!.env;
        const result = await run('sh', [join(env.SCRIPTS_DIR!, 'prestop.sh'), name], { env: this.podEnv(pod, env) });
        output = `${result.stdout}${result.stderr}`;
      }
      await process?.stop('SIGTERM');
      return output;
    }));
    return { preStopOutput: outputs.join('') };
  }

  /**
   * A StatefulSet rolling update: the highest ordinal first, each pod Ready before the next
   * stops. `replacementMs`: how long a stopped pod stays gone before its replacement starts
   * (in a cluster: deletion, scheduling, volume attach, image, init container).
   */
  async rollingUpdate(options: { preStop: boolean; replacementMs?: number }): Promise<string[]> {
    const outputs: string[] = [];
    for (let index = this.pods.length - 1; index >= 0; index--) {
      outputs.push((await this.stopPod(index, options)).preStopOutput);
      await new Promise((resolve) => setTimeout(resolve, options.replacementMs ?? 0));
      await this.startPod(index);
    }
    return outputs;
  }

  /** Kills every process and removes the pods' directories. */
  async destroy(): Promise<void> {
    await Promise.all(this.pods.flatMap((pod) => [pod.redis?.stop('SIGKILL'), pod.sentinel?.stop('SIGKILL')]));
    rmSync(this.options.workDir, { recursive: true, force: true });
  }

  /** The env a pod's script runs with: its container's, with cluster DNS stood in for. */
  private podEnv(pod: Pod, env: Record<string, string>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...env,
      ...extra,
      PATH: `${join(this.options.workDir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      POD_IP: pod.ip,
    };
  }

  /**
   * A `redis-cli` first on the scripts' PATH that resolves names as the cluster's DNS would: a
   * pod's name to its address, `localhost` to the pod itself; and reports addresses back as the
   * names Sentinel announces in the cluster. TLS file paths map to `tlsDir`.
   */
  private writeResolver(hosts: ReadonlyArray<readonly [string, string]>): void {
    const bin = join(this.options.workDir, 'bin');
    mkdirSync(bin, { recursive: true });
    const toIp = hosts.map(([host, ip]) => `    ${host}) set -- "$@" "${ip}" ;;`).join('\n');
    const toHost = hosts.map(([host, ip]) => `-e 's/^${ip.replaceAll('.', '\\.')}$/${host}/'`).join(' ');
    const tls = this.options.tlsDir ?? '/opt/redis/tls';
    const real = process.env.REDIS_CLI_BIN ?? findOnPath('redis-cli');
    writeFileSync(join(bin, 'redis-cli'), `#!/bin/sh
# Test stand-in for cluster DNS (see RedisPods): rewrites -h names and TLS paths, runs the real
# redis-cli, and names addresses in its answer as the cluster would.
n=$#
while [ "$n" -gt 0 ]; do
  arg="$1"; shift; n=$((n - 1))
  case "$arg" in
${toIp}
    localhost) set -- "$@" "$POD_IP" ;;
    /opt/redis/tls/*) set -- "$@" "${tls}/\${arg#/opt/redis/tls/}" ;;
    *) set -- "$@" "$arg" ;;
  esac
done
out="$('${real}' "$@")"
code=$?
[ -z "$out" ] || printf '%s\n' "$out" | sed ${toHost}
exit "$code"
`, { mode: 0o755 });
  }
}

function findOnPath(command: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, command);
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`${command} is not on PATH`);
}

/** Picks two free ports for a chart render: `--set service.port=..,sentinel.port=..`. */
export async function freeRedisPorts(): Promise<{ redis: number; sentinel: number }> {
  return { redis: await freePort(), sentinel: await freePort() };
}
