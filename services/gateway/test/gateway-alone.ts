import { RedisServer, ServiceProcess } from '@platform/testing';
import { TEST_SESSION_SECRET } from './test-env.js'; // @example

/**
 * The gateway's own tests' setup: a fresh redis-server and the gateway alone against it, no
 * service behind it (what these tests check needs none of its callees). Nothing runs before
 * start(); the gateway counts as started once /health/live answers.
 *
 *   const alone = new GatewayAlone({ ADMIN_TOKEN });
 *   beforeAll(() => alone.start(), 90_000);
 *   afterAll(() => alone.stop());
 */
export class GatewayAlone {
  private server: RedisServer | undefined;
  private process: ServiceProcess | undefined;

  /** `env`: the gateway's env on top of REDIS_URL (and its session key). */
  constructor(private readonly env: Record<string, string> = {}) {}

  async start(): Promise<void> {
    this.server = await RedisServer.start();
    this.process = await ServiceProcess.start('gateway', {
      env: {
        REDIS_URL: this.server.url,
        SESSION_SECRET: TEST_SESSION_SECRET, // @example
        ...this.env,
      },
      waitFor: 'live',
    });
  }

  get redis(): RedisServer {
    if (!this.server) throw new Error('GatewayAlone: call start() first (in beforeAll)');
    return this.server;
  }

  get gateway(): ServiceProcess {
    if (!this.process) throw new Error('GatewayAlone: call start() first (in beforeAll)');
    return this.process;
  }

  /** Stops the gateway, then Redis (either may never have started). */
  async stop(): Promise<void> {
    await this.process?.stop();
    await this.server?.destroy();
  }
}
