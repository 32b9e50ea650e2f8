import { canonicalJson, configGeneration } from './config-generation.js';

describe('configuration generation', () => {
  it('names the content: the same for equal documents, whatever their key order or spacing', () => {
    const generation = configGeneration('{"login.maxAttempts":3,"cache.ttlSeconds":60}');
    expect(generation).toMatch(/^[0-9a-f]{12}$/);
    expect(configGeneration('{ "cache.ttlSeconds": 60, "login.maxAttempts": 3 }')).toBe(generation);
    expect(configGeneration('{"login.maxAttempts":4,"cache.ttlSeconds":60}')).not.toBe(generation);
  });

  it('gives no document the generation of the empty one (both mean: every key at its default)', () => {
    expect(configGeneration(null)).toBe(configGeneration('{}'));
  });

  it('hashes a document that is not JSON as it is stored', () => {
    expect(configGeneration('{not json')).toMatch(/^[0-9a-f]{12}$/);
    expect(configGeneration('{not json')).not.toBe(configGeneration('{not json!'));
  });

  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: [{ d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[{"c":null,"d":1}]}');
  });
});
