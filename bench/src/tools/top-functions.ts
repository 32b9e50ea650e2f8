/**
 * Summarises a V8 CPU profile (node --cpu-prof): self time by function and by package, so a
 * profile can be read without DevTools. Usage: node bench/dist/tools/top-functions.js <file.cpuprofile> [top N]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package name, node's internals, or the program itself. */
export function owner(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const workspace = /\/(packages|services|bench)\/([^/]+)\//.exec(url);
  if (workspace) return workspace[1] === 'bench' ? 'bench' : `${workspace[1]}/${workspace[2]}`;
  return url;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: Array<{ name: string; where: string; selfMs: number; share: number }>;
  /** Time in a function and everything it called (recursion counted once), largest first. */
  inclusive: Array<{ name: string; where: string; totalMs: number; share: number }>;
  byOwner: Array<{ owner: string; selfMs: number; share: number }>;
}

/** Self time per function and per owner, largest first. */
export function summarize(profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const owners = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || '(anonymous)';
    // Idle time is the event loop waiting: not CPU.
    if (name === '(idle)') continue;
    totalUs += us;
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|packages|services|bench)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    owners.set(owner(frame.url), (owners.get(owner(frame.url)) ?? 0) + us);
  }
  // Inclusive time: walk the call tree, charging each node's self time to every distinct
  // function on its path.
  const inclusiveUs = new Map<string, number>();
  const keyOf = (node: ProfileNode) => {
    const frame = node.callFrame;
    return `${frame.functionName || '(anonymous)'} ${frame.url ? `${frame.url.replace(/^.*\/(node_modules|packages|services|bench)\//, '$1/')}:${frame.lineNumber + 1}` : ''}`;
  };
  const root = profile.nodes[0];
  const stack: Array<{ node: ProfileNode; path: Set<string> }> = root ? [{ node: root, path: new Set() }] : [];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    const key = keyOf(node);
    const here = new Set(path).add(key);
    const us = node.callFrame.functionName === '(idle)' ? 0 : (selfUs.get(node.id) ?? 0);
    if (us > 0) for (const onPath of here) inclusiveUs.set(onPath, (inclusiveUs.get(onPath) ?? 0) + us);
    for (const child of node.children ?? []) stack.push({ node: byId.get(child)!, path: here });
  }
  return {
    totalMs: totalUs / 1_000,
    inclusive: [...inclusiveUs]
      .filter(([key]) => !key.startsWith('(root)') && !key.startsWith('(program)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const space = key.indexOf(' ');
        return { name: key.slice(0, space), where: key.slice(space + 1), totalMs: us / 1_000, share: us / totalUs };
      }),
    byFunction: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ name, where, us }) => ({ name, where, selfMs: us / 1_000, share: us / totalUs })),
    byOwner: [...owners]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ owner: name, selfMs: us / 1_000, share: us / totalUs })),
  };
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1).padStart(5)}%`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/dist/tools/top-functions.js <file.cpuprofile> [top N]');
    process.exit(2);
  }
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(topArg ?? 25));
  console.log(`${file}: ${summary.totalMs.toFixed(0)} ms of CPU (idle excluded)\n\nby package:`);
  for (const entry of summary.byOwner.slice(0, 15)) console.log(`  ${pct(entry.share)}  ${entry.owner}`);
  console.log('\nby function (self time):');
  for (const entry of summary.byFunction) console.log(`  ${pct(entry.share)}  ${entry.name}  ${entry.where}`);
  if (process.env.INCLUSIVE) {
    console.log('\nby function (inclusive):');
    for (const entry of summary.inclusive) console.log(`  ${pct(entry.share)}  ${entry.name}  ${entry.where}`);
  }
}
