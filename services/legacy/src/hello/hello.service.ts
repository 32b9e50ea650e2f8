import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import type { HelloReply } from '@contracts/seed-routes';

@Injectable()
export class HelloService {
  private readonly instance = `${hostname()}:${process.pid}`;

  /** The seeds' "monolithic" answer: names the transport and the service that answered. */
  greet(from: string): HelloReply {
    return {
      transport: 'tcp',
      service: 'legacy',
      instance: this.instance,
      message: `Hello ${from}, this is legacy answering over TCP`,
      at: new Date().toISOString(),
    };
  }
}
