import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AccountsEvents, AccountsRpc, PasswordResetConfirmation, type PasswordResetRequested } from '@contracts/accounts';
import { HandlesEvent, HandlesRequest } from '@platform/transport';
import type { z } from 'zod';
import { PasswordResetService } from './password-reset.service.js';

/** password-reset.requested (published by the gateway) and accounts.confirmPasswordReset. */
@Controller()
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @HandlesEvent(AccountsEvents.passwordResetRequested)
  async request(@Payload() { emailDigest }: z.output<typeof PasswordResetRequested>) {
    await this.resets.request(emailDigest);
  }

  @HandlesRequest(AccountsRpc.confirmPasswordReset)
  async confirm(@Payload() confirmation: PasswordResetConfirmation) {
    return { accountId: await this.resets.confirm(confirmation) };
  }
}
