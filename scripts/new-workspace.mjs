#!/usr/bin/env node
// Scaffolds the boilerplate every workspace shares (package.json scripts, the two tsconfigs,
// the one-line jest config), so a new package or service starts exactly like the others.
// Usage: node scripts/new-workspace.mjs packages/<name> "<description>"
//        node scripts/new-workspace.mjs services/<name> "<description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [dir, description = ''] = process.argv.slice(2);
if (!dir || !/^(packages|services)\/[a-z0-9-]+$/.test(dir)) {
  console.error('usage: node scripts/new-workspace.mjs packages/<name>|services/<name> "<description>"');
  process.exit(2);
}
const isService = dir.startsWith('services/');
// Services are leaves nobody imports, so they go by their plain name (`turbo run dev --filter=gateway`).
const name = isService ? basename(dir) : `@platform/${basename(dir)}`;

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
  ...(isService
    ? { main: './dist/main.js' }
    : { exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } }),
  scripts: {
    build: 'tsc -b tsconfig.build.json',
    ...(isService ? { start: 'node --enable-source-maps dist/main.js' } : {}),
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
