import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AccountsRpc, PasswordResetConfirmation, PasswordResetRequest } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';
import type { z } from 'zod';
import { PasswordResetService } from './password-reset.service.js';

/** accounts.requestPasswordReset and accounts.confirmPasswordReset. */
@Controller()
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @MessagePattern(AccountsRpc.requestPasswordReset.pattern)
  async request(@Payload(new ZodValidationPipe(PasswordResetRequest)) { email }: z.output<typeof PasswordResetRequest>) {
    await this.resets.request(email);
    return {};
  }

  @MessagePattern(AccountsRpc.confirmPasswordReset.pattern)
  async confirm(@Payload(new ZodValidationPipe(PasswordResetConfirmation)) confirmation: PasswordResetConfirmation) {
    return { accountId: await this.resets.confirm(confirmation) };
  }
}
