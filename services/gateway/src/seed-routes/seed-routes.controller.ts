import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { HelloReply } from '@contracts/seed-routes';
import { Returns } from '@platform/http';
import { SeedRoutesService } from './seed-routes.service.js';

/** The seeds' three routes, as the product contract describes them. */
@Controller()
export class SeedRoutesController {
  constructor(private readonly seed: SeedRoutesService) {}

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
