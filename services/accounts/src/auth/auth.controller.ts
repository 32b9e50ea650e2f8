import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AccountsRpc, LoginRequest, Registration } from '@contracts/accounts';
import { HandlesRequest } from '@platform/transport';
import { AuthService } from './auth.service.js';

/** accounts.register and accounts.login, called by the gateway's /auth routes. */
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @HandlesRequest(AccountsRpc.register)
  register(@Payload() registration: Registration) {
    return this.auth.register(registration);
  }

  @HandlesRequest(AccountsRpc.login)
  login(@Payload() request: LoginRequest) {
    return this.auth.login(request);
  }
}
