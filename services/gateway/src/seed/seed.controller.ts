import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { SeedService } from './seed.service.js';

/** The seeds' three routes, as the product contract describes them. */
@Controller()
export class SeedController {
  constructor(private readonly seed: SeedService) {}

  @Get('test')
  overTcp() {
    return this.seed.askLegacy();
  }

  @Get('test1')
  overRedis() {
    return this.seed.askCatalog();
  }

  @Get('test2')
  @HttpCode(HttpStatus.ACCEPTED)
  publishEvent() {
    return this.seed.publishPing();
  }
}
