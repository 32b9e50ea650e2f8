import { SentinelCluster } from './sentinel-cluster.js';

describe('SentinelCluster', () => {
  let cluster: SentinelCluster | undefined;

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('runs a primary, a replica and three Sentinels that promote the replica when the primary dies', async () => {
    cluster = await SentinelCluster.start();
    expect(cluster.sentinelAddresses.split(',')).toHaveLength(3);
    const primary = await cluster.primary();
    expect(primary).toBe(cluster.initialPrimary);

    const writer = primary.client();
    await writer.set('before-failover', '1');
    await writer.wait(1, 1_000);
    writer.disconnect();

    await primary.kill();
    const promoted = await cluster.waitForNewPrimary(primary.port);
    expect(promoted).toBe(cluster.replicas[0]);
    const client = promoted.client();
    expect(await client.get('before-failover')).toBe('1');
    await client.set('after-failover', '1');
    client.disconnect();
  }, 60_000);
});
