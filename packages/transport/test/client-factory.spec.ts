import { ClientTCP } from '@nestjs/microservices';
import { StreamsClient } from '@platform/streams-transport';
import { isTracingEnabled } from '@platform/telemetry';
import { createClientProxy } from '../src/client-factory.js';

// Tracing is off in this process (startTelemetry never ran): the clients must be Nest's and the
// Streams transport's own, with no tracing wrapper doing per-call work for nothing.
describe('createClientProxy with tracing off', () => {
  it('tracing is off here', () => {
    expect(isTracingEnabled()).toBe(false);
  });

  it('gives the Streams client as it is', async () => {
    const client = createClientProxy({ kind: 'redis-streams', redis: { url: 'redis://127.0.0.1:1' } }, 'factory-test') as StreamsClient;
    expect(client).toBeInstanceOf(StreamsClient);
    expect({ send: client.send, call: client.call, emit: client.emit }).toEqual({
      send: StreamsClient.prototype.send,
      call: StreamsClient.prototype.call,
      emit: StreamsClient.prototype.emit,
    });
    await client.close();
  });

  it('gives the TCP client as it is', async () => {
    const client = createClientProxy({ kind: 'tcp', host: '127.0.0.1', port: 1 }, 'factory-test') as ClientTCP;
    expect({ send: client.send, emit: client.emit }).toEqual({ send: ClientTCP.prototype.send, emit: ClientTCP.prototype.emit });
    await client.close();
  });
});
