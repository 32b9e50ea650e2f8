import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '@platform/http';
import { ZodValidationPipe } from '@platform/validation';
import { z } from 'zod';
import { DeadLettersService, MAX_REPLAY } from './dead-letters.service.js';

const DeadLetterQuery = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(50) });
/** No body (or no ids): replay the oldest dead letters, up to MAX_REPLAY. */
const ReplayBody = z
  .object({ ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_REPLAY).optional() })
  .strict()
  .optional();

/** The email queue's dead letters, for curl and scripts (Bull Board shows them too). */
@Controller('admin/queues/email/dead-letter')
@UseGuards(AdminTokenGuard)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  list(@Query(new ZodValidationPipe(DeadLetterQuery)) { limit }: z.output<typeof DeadLetterQuery>) {
    return this.deadLetters.list(limit);
  }

  @Post('replay')
  @HttpCode(HttpStatus.OK)
  replay(@Body(new ZodValidationPipe(ReplayBody)) body: z.output<typeof ReplayBody>) {
    return this.deadLetters.replay(body?.ids);
  }
}
