import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type HelloReply, HelloRequest, SeedRpc } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';
import type { z } from 'zod';
import { HelloService } from './hello.service.js';

@Controller()
export class HelloController {
  constructor(private readonly hello: HelloService) {}

  @MessagePattern(SeedRpc.legacyHello.pattern)
  greet(@Payload(new ZodValidationPipe(HelloRequest)) request: z.output<typeof HelloRequest>): HelloReply {
    return this.hello.greet(request.from);
  }
}
