import { type DynamicModule, Module } from '@nestjs/common';
import type { NotificationsConfig } from './config.js';
import { EmailModule } from './email/email.module.js';
import { NOTIFICATIONS_CONFIG } from './notifications.constants.js';
import { SeedRoutesModule } from './seed-routes/seed-routes.module.js';
import { WatchersModule } from './watchers/watchers.module.js';

@Module({})
export class AppModule {
  static forRoot(config: NotificationsConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [SeedRoutesModule, EmailModule.forRoot(config), WatchersModule],
      providers: [{ provide: NOTIFICATIONS_CONFIG, useValue: config }],
      exports: [NOTIFICATIONS_CONFIG],
    };
  }
}
