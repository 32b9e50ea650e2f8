import { brokerPid, NEST_NATS, STREAMS_RETRY_SAFE, TRANSPORTS, withNats } from './rpc-fixtures.js';

describe('withNats', () => {
  it('puts Nest NATS right after Nest Redis, to be read side by side', () => {
    const ids = withNats(TRANSPORTS).map((variant) => variant.id);
    expect(ids.indexOf(NEST_NATS.id)).toBe(ids.indexOf('nest-redis') + 1);
    expect(ids.filter((id) => id === NEST_NATS.id)).toHaveLength(1);
    expect(ids).toHaveLength(TRANSPORTS.length + 1);
  });
});

describe('brokerPid', () => {
  it('counts nats-server for NATS and redis-server for the others', () => {
    expect(brokerPid(NEST_NATS, { redis: 1, nats: 2 })).toBe(2);
    expect(brokerPid(STREAMS_RETRY_SAFE, { redis: 1, nats: 2 })).toBe(1);
    expect(() => brokerPid(NEST_NATS, { redis: 1 })).toThrow('nats-server');
  });
});
