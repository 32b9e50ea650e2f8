/**
 * Writes RESULTS.md again from a results.json (e.g. after editing analysis.md), without
 * running anything. Usage: node bench/dist/tools/render-report.js [results.json] [RESULTS.md]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from '../paths.js';
import { renderReport, type RunResults } from '../report.js';

const [input = join(benchDir, 'results.json'), output = join(benchDir, 'RESULTS.md')] = process.argv.slice(2);
writeFileSync(output, renderReport(JSON.parse(readFileSync(input, 'utf8')) as RunResults));
console.log(`wrote ${output} from ${input}`);
