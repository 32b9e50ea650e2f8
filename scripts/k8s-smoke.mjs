#!/usr/bin/env node
// Smoke test of a platform release on a cluster (`make smoke`, and the kind job in CI):
// every Deployment of the release is fully available, and the gateway, reached through
// `kubectl port-forward`, answers its health, metrics and seed routes.
// Usage: node scripts/k8s-smoke.mjs [--namespace platform] [--release platform] [--timeout 60]
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    namespace: { type: 'string', default: 'platform' },
    release: { type: 'string', default: 'platform' },
    timeout: { type: 'string', default: '60' },
  },
});
const deadline = Date.now() + Number(options.timeout) * 1000;
const kubectl = (...args) => execFileSync('kubectl', ['-n', options.namespace, ...args], { encoding: 'utf8' });
const selector = (component) =>
  `app.kubernetes.io/instance=${options.release}${component ? `,app.kubernetes.io/component=${component}` : ''}`;

let passed = 0;
let failed = 0;
function report(ok, what, detail = '') {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ` (${detail})` : ''}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const deployments = JSON.parse(kubectl('get', 'deployments', '-l', selector(), '-o', 'json')).items;
report(deployments.length > 0, `the release has Deployments`, `${deployments.length}`);
for (const deployment of deployments) {
  const want = deployment.spec.replicas ?? 1;
  const have = deployment.status.availableReplicas ?? 0;
  report(have >= want, `${deployment.metadata.name} available`, `${have}/${want}`);
}

const service = kubectl('get', 'services', '-l', selector('gateway'), '-o', 'jsonpath={.items[0].metadata.name}').trim();
const port = await freePort();
const forward = spawn('kubectl', ['-n', options.namespace, 'port-forward', `service/${service}`, `${port}:http`], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let forwardOutput = '';
forward.stdout.on('data', (chunk) => (forwardOutput += chunk));
forward.stderr.on('data', (chunk) => (forwardOutput += chunk));

async function get(path) {
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (Date.now() > deadline) return { status: 0, body: `${error.message}\n${forwardOutput}` };
      await sleep(500);
    }
  }
}

try {
  const checks = [
    ['/health/live', 200],
    ['/health/ready', 200],
    ['/test', 200],
    ['/test1', 200],
    ['/test2', 202],
  ];
  for (const [path, status] of checks) {
    const response = await get(path);
    report(response.status === status, `GET ${path} -> ${status}`, `got ${response.status}: ${response.body.slice(0, 160)}`);
  }
  const metrics = await get('/metrics');
  report(metrics.status === 200 && metrics.body.includes('# HELP'), 'GET /metrics is Prometheus text', `got ${metrics.status}`);
  const missing = await get('/no-such-route');
  let error = {};
  try {
    error = JSON.parse(missing.body);
  } catch {
    // reported below
  }
  report(missing.status === 404 && error.statusCode === 404, 'an unknown route -> 404 JSON', `got ${missing.status}`);
} finally {
  forward.kill();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
