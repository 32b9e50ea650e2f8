import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { PasswordResetModule } from './password-reset/password-reset.module.js';
import { SeedModule } from './seed/seed.module.js';

@Module({ imports: [SeedModule, AuthModule, PasswordResetModule] })
export class AppModule {}
