import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AccountsRpc, RegistrationConfirmation, RegistrationRequest } from '@contracts/accounts';
import { HandlesRequest } from '@platform/transport';
import { RegistrationService } from './registration.service.js';

/** accounts.register and accounts.confirmRegistration, called by the gateway's /auth/register routes. */
@Controller()
export class RegistrationController {
  constructor(private readonly registrations: RegistrationService) {}

  @HandlesRequest(AccountsRpc.register)
  register(@Payload() request: RegistrationRequest) {
    return this.registrations.register(request);
  }

  @HandlesRequest(AccountsRpc.confirmRegistration)
  confirm(@Payload() { token }: RegistrationConfirmation) {
    return this.registrations.confirm(token);
  }
}
