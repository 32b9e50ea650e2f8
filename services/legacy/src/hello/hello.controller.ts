import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type HelloReply, HelloRequest, SeedRpc } from '@contracts/seed-routes';
import { HandlesRequest } from '@platform/transport';
import type { z } from 'zod';
import { HelloService } from './hello.service.js';

@Controller()
export class HelloController {
  constructor(private readonly hello: HelloService) {}

  @HandlesRequest(SeedRpc.legacyHello)
  greet(@Payload() request: z.output<typeof HelloRequest>): HelloReply {
    return this.hello.greet(request.from);
  }
}
