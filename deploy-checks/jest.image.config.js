import preset from '@platform/jest-config';

/**
 * `npm run test:image`: the specs named *.image-spec.ts, which the preset's testMatch leaves
 * out of `npm test` (and so of `make test`) because they take minutes; `make image-check`
 * runs them.
 */
export default { ...preset, testMatch: ['<rootDir>/test/**/*.image-spec.ts'] };
