import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.js';
import { UserRepository } from './user.repository.js';

@Module({ providers: [UserRepository, PasswordHasher], exports: [UserRepository, PasswordHasher] })
export class UsersModule {}
