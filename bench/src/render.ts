/**
 * `make bench-report`: writes RESULTS.md again from results.json (BENCH_OUT, or bench/), with
 * the current bench/analysis.md: the analysis of a run is written after the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchDir } from './paths.js';
import { renderReport, type RunResults } from './report.js';

const outDir = resolve(process.env.BENCH_OUT ?? benchDir);
const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as RunResults;
writeFileSync(join(outDir, 'RESULTS.md'), renderReport(results));
console.log(`wrote ${join(outDir, 'RESULTS.md')} from its results.json`);
