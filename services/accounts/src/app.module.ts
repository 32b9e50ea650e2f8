import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { PasswordResetModule } from './password-reset/password-reset.module.js';
import { SeedRoutesModule } from './seed-routes/seed-routes.module.js';

@Module({ imports: [SeedRoutesModule, AuthModule, PasswordResetModule] })
export class AppModule {}
