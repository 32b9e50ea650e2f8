#!/usr/bin/env node
// Scaffolds the boilerplate every platform package shares (package.json scripts, the two
// tsconfigs, the one-line jest config), so a new package starts exactly like the others.
// Usage: node scripts/new-workspace.mjs packages/<name> "<description>"
// A service comes from `make service NAME=<name>` (turbo/generators), which also writes its
// registry entry, contract and tests: one scaffold per kind of workspace, so neither drifts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [dir, description = ''] = process.argv.slice(2);
if (dir?.startsWith('services/')) {
  console.error(`a service is made with: make service NAME=${basename(dir)}`);
  process.exit(2);
}
if (!dir || !/^packages\/[a-z0-9-]+$/.test(dir)) {
  console.error('usage: node scripts/new-workspace.mjs packages/<name> "<description>"');
  process.exit(2);
}
const name = `@platform/${basename(dir)}`;

const writeOnce = (file, content) => {
  const path = join(dir, file);
  if (existsSync(path)) return;
  writeFileSync(path, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
};

mkdirSync(join(dir, 'src'), { recursive: true });
writeOnce('package.json', {
  name,
  version: '0.0.0',
  private: true,
  type: 'module',
  description,
  exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
  scripts: {
    build: 'tsc -b tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    lint: 'oxlint --deny-warnings src',
    test: "NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning' jest",
  },
  dependencies: {},
});
writeOnce('tsconfig.json', {
  extends: '@platform/tsconfig/base.json',
  compilerOptions: { rootDir: '.', noEmit: true, incremental: false, types: ['node', 'jest'] },
  include: ['src', 'test'],
});
writeOnce('tsconfig.build.json', {
  extends: '@platform/tsconfig/base.json',
  // The build info lives in dist/, so deleting dist/ always forces a rebuild.
  compilerOptions: { rootDir: 'src', outDir: 'dist', composite: true, tsBuildInfoFile: 'dist/.tsbuildinfo' },
  include: ['src'],
  exclude: ['src/**/*.spec.ts'],
});
writeOnce('jest.config.js', "export { default } from '@platform/jest-config';\n");
console.log(`scaffolded ${name} in ${dir}`);
