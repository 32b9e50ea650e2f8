import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AccountsRpc, LoginRequest } from '@contracts/accounts';
import { HandlesRequest } from '@platform/transport';
import { AuthService } from './auth.service.js';

/** accounts.login, called by the gateway's POST /auth/login. */
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @HandlesRequest(AccountsRpc.login)
  login(@Payload() request: LoginRequest) {
    return this.auth.login(request);
  }
}
