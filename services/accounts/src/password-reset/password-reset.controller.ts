import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AccountsRpc, PasswordResetConfirmation, PasswordResetRequest } from '@contracts/accounts';
import { HandlesRequest } from '@platform/transport';
import type { z } from 'zod';
import { PasswordResetService } from './password-reset.service.js';

/** accounts.requestPasswordReset and accounts.confirmPasswordReset. */
@Controller()
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @HandlesRequest(AccountsRpc.requestPasswordReset)
  async request(@Payload() { email }: z.output<typeof PasswordResetRequest>) {
    await this.resets.request(email);
    return {};
  }

  @HandlesRequest(AccountsRpc.confirmPasswordReset)
  async confirm(@Payload() confirmation: PasswordResetConfirmation) {
    return { accountId: await this.resets.confirm(confirmation) };
  }
}
