/**
 * The jest preset of every package: `export { default } from '@platform/jest-config';`.
 *
 * Tests run as native ES modules (jest is started with --experimental-vm-modules, see each
 * package's `test` script) because NestJS 12 ships ESM only. SWC strips the types and emits
 * the legacy decorators with `design:paramtypes` metadata, as tsc does for the build, so
 * constructor injection works the same in tests and in production.
 */
import { fileURLToPath } from 'node:url';

const swcOptions = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import siblings as `./x.js` (NodeNext); jest resolves the `.ts` file behind it.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.{spec,e2e-spec}.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Integration tests start real processes (redis-server, services); give them room.
  testTimeout: 30_000,
  // The summary reporter also ends a run that jest would not leave (see its comment).
  reporters: ['default', 'github-actions', fileURLToPath(new URL('./run-summary-reporter.js', import.meta.url))],
};
