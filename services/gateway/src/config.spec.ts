import { configProblems } from '@platform/testing';
import { loadGatewayConfig } from './config.js';

const SESSION_SECRET = 'a-session-secret-of-at-least-32-chars'; // @example
/** What every gateway config needs. */
const REQUIRED = {
  REDIS_URL: 'redis://h',
  SESSION_SECRET, // @example
};
const trust = (TRUST_PROXY: string) => loadGatewayConfig({ ...REQUIRED, TRUST_PROXY }).TRUST_PROXY;

describe('gateway config', () => {
  it('reaches the services over the configured Redis transport', () => {
    const config = loadGatewayConfig({ ...REQUIRED, REDIS_URL: 'redis://:pw@10.0.0.5:6379' });
    expect(config.defaultTarget).toEqual({ kind: 'redis-streams', redis: expect.objectContaining({ url: 'redis://:pw@10.0.0.5:6379' }) });
    expect(config.RPC_TIMEOUT_MS).toBe(3_000);
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  // @example-begin
  it('reaches legacy over TCP, and keeps the dev routes off', () => {
    const config = loadGatewayConfig({ ...REQUIRED, LEGACY_TCP_HOST: 'legacy', LEGACY_TCP_PORT: '4100' });
    expect(config.targets.legacy).toEqual({ kind: 'tcp', host: 'legacy', port: 4100 });
    expect(config.DEV_ENDPOINTS).toBe(false);
  });
  // @example-end

  it('refuses a short admin token and an out-of-range timeout', () => {
    expect(configProblems(() => loadGatewayConfig({ ...REQUIRED, ADMIN_TOKEN: 'short', RPC_TIMEOUT_MS: '0' }))).toEqual([
      'RPC_TIMEOUT_MS: Too small: expected number to be >0',
      'ADMIN_TOKEN: must be at least 16 characters',
    ]);
  });

  // @example-begin
  it('requires a long session secret, and keeps sessions and cookies safe by default', () => {
    expect(configProblems(() => loadGatewayConfig({ REDIS_URL: 'redis://h' }))).toEqual(['SESSION_SECRET: is required']);
    expect(configProblems(() => loadGatewayConfig({ REDIS_URL: 'redis://h', SESSION_SECRET: 'short' }))).toEqual([
      'SESSION_SECRET: must be at least 32 characters',
    ]);
    const config = loadGatewayConfig({ REDIS_URL: 'redis://h', SESSION_SECRET });
    expect(config).toMatchObject({ SESSION_MAX_AGE_SECONDS: 86_400, COOKIE_SECURE: false, TRUST_PROXY: false });
  });

  it('refuses a Secure cookie without a trusted proxy: the gateway serves no TLS, so no request could be HTTPS', () => {
    const problems = configProblems(() => loadGatewayConfig({ ...REQUIRED, COOKIE_SECURE: 'true' }));
    expect(problems).toEqual([expect.stringMatching(/^COOKIE_SECURE: true needs TRUST_PROXY: the gateway serves plain HTTP/)]);
    expect(configProblems(() => loadGatewayConfig({ ...REQUIRED, COOKIE_SECURE: 'true', TRUST_PROXY: 'false' }))).toEqual(problems);
    expect(loadGatewayConfig({ ...REQUIRED, COOKIE_SECURE: 'true', TRUST_PROXY: 'uniquelocal' })).toMatchObject({ COOKIE_SECURE: true, TRUST_PROXY: ['uniquelocal'] });
  });
  // @example-end

  it('keeps idempotent answers 24 h by default, between a minute and a week', () => {
    expect(loadGatewayConfig(REQUIRED).IDEMPOTENCY_TTL_SECONDS).toBe(86_400);
    expect(loadGatewayConfig({ ...REQUIRED, IDEMPOTENCY_TTL_SECONDS: '3600' }).IDEMPOTENCY_TTL_SECONDS).toBe(3_600);
    expect(configProblems(() => loadGatewayConfig({ ...REQUIRED, IDEMPOTENCY_TTL_SECONDS: '59' }))).toEqual([
      'IDEMPOTENCY_TTL_SECONDS: Too small: expected number to be >=60',
    ]);
    expect(configProblems(() => loadGatewayConfig({ ...REQUIRED, IDEMPOTENCY_TTL_SECONDS: '604801' }))).toEqual([
      'IDEMPOTENCY_TTL_SECONDS: Too big: expected number to be <=604800',
    ]);
  });

  it('trusts X-Forwarded-For only from the proxies named in TRUST_PROXY', () => {
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('10.0.0.0/8, loopback,2001:db8::1')).toEqual(['10.0.0.0/8', 'loopback', '2001:db8::1']);
    expect(configProblems(() => trust('10.0.0.0/33,proxy.internal'))).toEqual([
      'TRUST_PROXY: "10.0.0.0/33" is not an address, a CIDR or one of loopback, linklocal, uniquelocal',
      'TRUST_PROXY: "proxy.internal" is not an address, a CIDR or one of loopback, linklocal, uniquelocal',
    ]);
  });
});
