import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { HelloReply } from '@platform/contracts';
import { Returns } from '@platform/http';
import { SeedService } from './seed.service.js';

/** The seeds' three routes, as the product contract describes them. */
@Controller()
export class SeedController {
  constructor(private readonly seed: SeedService) {}

  @Get('test')
  @Returns(HelloReply)
  overTcp() {
    return this.seed.askLegacy();
  }

  @Get('test1')
  @Returns(HelloReply)
  overRedis() {
    return this.seed.askCatalog();
  }

  @Get('test2')
  @HttpCode(HttpStatus.ACCEPTED)
  publishEvent() {
    return this.seed.publishPing();
  }
}
