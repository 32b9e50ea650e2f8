#!/usr/bin/env node
// `make monitor`: Prometheus on http://localhost:9090 scraping the services of `make dev`
// (a config written from the service registry into .dev/prometheus/, with the platform's
// alert rules), and redis_exporter in front of the dev Redis when it is installed. Ctrl-C
// stops both.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prometheusConfig, readRegistry } from '../packages/registry/index.mjs';
import { hasBinary, say, start, stopAllOnSignals } from './lib/children.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${process.env.DEV_REDIS_PORT ?? 6390}`;

stopAllOnSignals();
if (!(await hasBinary('prometheus'))) {
  console.error('make monitor needs prometheus on PATH (Debian/Ubuntu: sudo apt-get install prometheus; macOS: brew install prometheus)');
  process.exit(1);
}
const exporter = ['prometheus-redis-exporter', 'redis_exporter'];
const exporterBinary = (await hasBinary(exporter[0])) ? exporter[0] : (await hasBinary(exporter[1])) ? exporter[1] : undefined;
if (exporterBinary) {
  start('redis_exporter', exporterBinary, [`--redis.addr=${redisUrl}`, '--web.listen-address=127.0.0.1:9121']);
} else {
  say('redis_exporter is not installed: the Redis dashboard stays empty (sudo apt-get install prometheus-redis-exporter)');
}
const storage = join(root, '.dev', 'prometheus');
mkdirSync(storage, { recursive: true });
const configFile = join(storage, 'prometheus.yml');
const rulesFile = join(root, 'charts', 'platform', 'files', 'prometheus', 'alerts.yml');
writeFileSync(configFile, prometheusConfig(readRegistry(root), { rulesFile }));
start('prometheus', 'prometheus', [
  `--config.file=${configFile}`,
  `--storage.tsdb.path=${storage}`,
  '--web.listen-address=127.0.0.1:9090',
  '--log.level=warn',
]);
say('Prometheus on http://localhost:9090 (targets: /targets, alerts: /alerts); run `make dev` alongside');
