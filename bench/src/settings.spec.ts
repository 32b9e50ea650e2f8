import { join } from 'node:path';
import { benchDir } from './paths.js';
import { SCENARIOS, settingsFromEnv } from './settings.js';

describe('settingsFromEnv', () => {
  it('runs everything, in full, into bench/ by default', () => {
    const settings = settingsFromEnv({});
    expect(settings.mode).toBe('full');
    expect([...settings.only]).toEqual([...SCENARIOS]);
    expect(join(settings.outDir, '/')).toBe(benchDir);
  });

  it('never lets a quick or partial run overwrite the committed report', () => {
    expect(settingsFromEnv({ BENCH_QUICK: '1' }).outDir).toBe(join(benchDir, '.results-quick'));
    expect(settingsFromEnv({ BENCH_ONLY: 'rpc' }).outDir).toBe(join(benchDir, '.results-full'));
    expect(settingsFromEnv({ BENCH_QUICK: '1', BENCH_OUT: '/tmp/x' }).outDir).toBe('/tmp/x');
  });

  it('refuses unknown scenarios and bad round counts, naming them', () => {
    expect(() => settingsFromEnv({ BENCH_ONLY: 'rpc,nope' })).toThrow('unknown scenario nope');
    expect(() => settingsFromEnv({ BENCH_ROUNDS: '0' })).toThrow('BENCH_ROUNDS=0');
    expect(settingsFromEnv({ BENCH_ROUNDS: '3' }).rounds).toBe(3);
  });
});
