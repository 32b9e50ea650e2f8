import { BadRequestException, Body, ConflictException, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '@platform/http';
import { ZodValidationPipe } from '@platform/validation';
import { ConfigConflictError, type ConfigDocument, InvalidConfigError, LiveConfigStore } from '@platform/live-config';
import { z } from 'zod';

/** `PUT /admin/config` body: any subset of the keys; the merged document is validated as a whole. */
const ConfigChanges = z.record(z.string(), z.unknown(), { error: 'expected a JSON object of {"key": value}' });

/**
 * The central configuration (`GET/PUT /admin/config`, admin token). A PUT sets the keys it
 * names and keeps the others; the result is validated as a whole and written atomically with
 * a new version, and every running service applies it within a second. An invalid change is
 * a 400 and changes nothing. Both answer `{version, generation, values}`: the generation is the
 * content hash each replica exports as `live_config_generation_info`, to compare with it.
 */
@Controller('admin/config')
@UseGuards(AdminTokenGuard)
export class AdminConfigController {
  constructor(private readonly store: LiveConfigStore) {}

  @Get()
  read(): Promise<ConfigDocument> {
    return this.store.read();
  }

  @Put()
  async update(@Body(new ZodValidationPipe(ConfigChanges)) changes: Record<string, unknown>): Promise<ConfigDocument> {
    try {
      return await this.store.update(changes);
    } catch (error) {
      if (error instanceof InvalidConfigError) throw new BadRequestException(error.message);
      if (error instanceof ConfigConflictError) throw new ConflictException(error.message);
      throw error;
    }
  }
}
