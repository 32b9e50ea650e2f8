import { Module } from '@nestjs/common';

/** The platform-wide counters and queue gauges are added by the accounts/config issue. */
@Module({})
export class AppModule {}
