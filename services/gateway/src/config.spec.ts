import { configProblems } from '@platform/testing';
import { loadGatewayConfig } from './config.js';

describe('gateway config', () => {
  it('reaches legacy over TCP and the others over the configured Redis transport', () => {
    const config = loadGatewayConfig({ REDIS_URL: 'redis://:pw@10.0.0.5:6379', LEGACY_TCP_HOST: 'legacy', LEGACY_TCP_PORT: '4100' });
    expect(config.targets.legacy).toEqual({ kind: 'tcp', host: 'legacy', port: 4100 });
    expect(config.targets.catalog).toEqual({ kind: 'redis-streams', redis: expect.objectContaining({ url: 'redis://:pw@10.0.0.5:6379' }) });
    expect(config.RPC_TIMEOUT_MS).toBe(3_000);
    expect(config.DEV_ENDPOINTS).toBe(false);
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  it('refuses a short admin token and an out-of-range timeout', () => {
    expect(configProblems(() => loadGatewayConfig({ REDIS_URL: 'redis://h', ADMIN_TOKEN: 'short', RPC_TIMEOUT_MS: '0' }))).toEqual([
      'RPC_TIMEOUT_MS: Too small: expected number to be >0',
      'ADMIN_TOKEN: must be at least 16 characters',
    ]);
  });
});
