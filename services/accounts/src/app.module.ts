import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import type { AccountsConfig } from './config.js';
import { PasswordResetModule } from './password-reset/password-reset.module.js';
import { RegistrationModule } from './registration/registration.module.js';
import { SeedRoutesModule } from './seed-routes/seed-routes.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AccountsConfig): DynamicModule {
    const hashing = { concurrency: config.PASSWORD_HASH_CONCURRENCY, maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS };
    return { module: AppModule, imports: [UsersModule.forRoot(hashing), SeedRoutesModule, AuthModule, RegistrationModule, PasswordResetModule] };
  }
}
