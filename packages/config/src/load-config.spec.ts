import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { configProblems } from '@platform/testing';
import { bool, commonEnv, loadConfig, port } from './index.js';

const schema = z.object({ ...commonEnv, PORT: port().default(3000), DEV_ENDPOINTS: bool().default(false) });

describe('loadConfig', () => {
  it('parses and freezes a valid environment, applying defaults', () => {
    const config = loadConfig(schema, { REDIS_URL: 'redis://user:pw@127.0.0.1:6390/0', PORT: '3100' });
    expect(config.PORT).toBe(3100);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.DEV_ENDPOINTS).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad key at once and never echoes a value', () => {
    const problems = configProblems(() =>
      loadConfig(schema, { REDIS_URL: 'http://secret-host', PORT: 'abc', LOG_LEVEL: 'loud', DEV_ENDPOINTS: 'maybe' }),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['REDIS_URL', 'PORT', 'LOG_LEVEL', 'DEV_ENDPOINTS']),
    );
    expect(problems.join('\n')).not.toContain('secret-host');
  });

  it('reports a missing required key as required', () => {
    expect(configProblems(() => loadConfig(schema, {}))).toEqual(['REDIS_URL: is required']);
  });

  it('reads a secret from <NAME>_FILE when the variable itself is absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    writeFileSync(join(dir, 'url'), 'redis://:s3cret@10.0.0.1:6379\n');
    const config = loadConfig(schema, { REDIS_URL_FILE: join(dir, 'url') });
    expect(config.REDIS_URL).toBe('redis://:s3cret@10.0.0.1:6379');
    expect(configProblems(() => loadConfig(schema, { REDIS_URL_FILE: join(dir, 'missing') }))[0]).toMatch(
      /^REDIS_URL_FILE: cannot read/,
    );
  });

  it('parses Sentinel addresses and rejects malformed ones', () => {
    const config = loadConfig(schema, { REDIS_URL: 'redis://x', REDIS_SENTINELS: 'a:26379, b:26380' });
    expect(config.REDIS_SENTINELS).toEqual([
      { host: 'a', port: 26379 },
      { host: 'b', port: 26380 },
    ]);
    expect(configProblems(() => loadConfig(schema, { REDIS_URL: 'redis://x', REDIS_SENTINELS: 'a' }))[0]).toMatch(
      /^REDIS_SENTINELS/,
    );
  });
});
