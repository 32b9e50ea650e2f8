import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, Returns } from '@platform/http';
import { ZodValidationPipe } from '@platform/validation';
import { z } from 'zod';
import { DeadLetterList, ReplayOutcome } from './dead-letter.js';
import { DeadLettersService, MAX_REPLAY } from './dead-letters.service.js';

/**
 * A queue's name in the path. BullMQ takes nearly any string, so this is the gateway's own
 * bound: names as contracts write them (`email`, `billing-invoices`), nothing that could be
 * read as another path segment or a Redis key pattern.
 */
const QueueName = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a queue name is letters, digits, ".", "_" and "-", starting with a letter or digit');
const DeadLetterQuery = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(50) });
/** No body (or no ids): replay the newest dead letters, up to MAX_REPLAY. */
const ReplayBody = z
  .object({ ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_REPLAY).optional() })
  .strict()
  .optional();

const queueName = new ZodValidationPipe(QueueName);

/**
 * The dead letters of any queue in the platform's queue index, for curl and scripts (Bull
 * Board shows them too). A queue the index lacks is a 404.
 */
@Controller('admin/queues/:queue/dead-letter')
@UseGuards(AdminTokenGuard)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @Returns(DeadLetterList)
  list(@Param('queue', queueName) queue: string, @Query(new ZodValidationPipe(DeadLetterQuery)) { limit }: z.output<typeof DeadLetterQuery>) {
    return this.deadLetters.list(queue, limit);
  }

  @Post('replay')
  @HttpCode(HttpStatus.OK)
  @Returns(ReplayOutcome)
  replay(@Param('queue', queueName) queue: string, @Body(new ZodValidationPipe(ReplayBody)) body: z.output<typeof ReplayBody>) {
    return this.deadLetters.replay(queue, body?.ids);
  }
}
