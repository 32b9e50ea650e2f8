import { type DynamicModule, Module } from '@nestjs/common';
import { HashingSlots } from './hashing-slots.js';
import { PasswordHasher } from './password-hasher.js';
import { UserRepository } from './user.repository.js';

/** Users, their password hashes, and the bound on hashing (PASSWORD_HASH_* env). */
@Module({})
export class UsersModule {
  static forRoot(hashing: { concurrency?: number; maxWaitMs: number }): DynamicModule {
    const providers = [UserRepository, PasswordHasher, { provide: HashingSlots, useValue: new HashingSlots(hashing) }];
    return { module: UsersModule, global: true, providers, exports: providers };
  }
}
