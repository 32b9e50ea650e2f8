import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type HelloReply, SeedEvents, SeedRpc } from '@contracts/seed-routes';
import { RpcClient } from '@platform/transport';

@Injectable()
export class SeedRoutesService {
  constructor(private readonly rpc: RpcClient) {}

  /** `GET /test`: request/response over TCP to legacy. */
  askLegacy(): Promise<HelloReply> {
    return this.rpc.call(SeedRpc.legacyHello, { from: 'gateway' });
  }

  /** `GET /test1`: request/response over Redis to catalog. */
  askCatalog(): Promise<HelloReply> {
    return this.rpc.call(SeedRpc.catalogHello, { from: 'gateway' });
  }

  /** `GET /test2`: an event every subscribed service receives. */
  async publishPing(): Promise<{ event: string; id: string }> {
    const ping = { id: randomUUID(), sentAt: new Date().toISOString() };
    await this.rpc.emit(SeedEvents.ping, ping);
    return { event: SeedEvents.ping.name, id: ping.id };
  }
}
