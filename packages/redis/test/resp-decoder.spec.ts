import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * npm ci applies patches/ioredis+*.patch (see patches/README.md): ioredis' RESP decoder built
 * for ES2022, whose private members are the engine's own instead of a WeakMap lookup per access.
 * An install that skipped it (`--ignore-scripts`) still works, 3-4 times slower at decoding:
 * this says so.
 */
it('ioredis decodes replies with the ES2022 build of its decoder (patches/)', () => {
  const decoder = join(dirname(createRequire(import.meta.url).resolve('ioredis')), 'resp', 'decoder.js');
  const source = readFileSync(decoder, 'utf8');
  expect({ decoder, loweredPrivateMembers: source.includes('__classPrivateFieldGet') }).toEqual({ decoder, loweredPrivateMembers: false });
  expect(source).toContain('#decodeArrayItems');
});
