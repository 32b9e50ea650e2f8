import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AccountsRpc, LoginRequest, Registration } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';
import { AuthService } from './auth.service.js';

/** accounts.register and accounts.login, called by the gateway's /auth routes. */
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @MessagePattern(AccountsRpc.register.pattern)
  register(@Payload(new ZodValidationPipe(Registration)) registration: Registration) {
    return this.auth.register(registration);
  }

  @MessagePattern(AccountsRpc.login.pattern)
  login(@Payload(new ZodValidationPipe(LoginRequest)) request: LoginRequest) {
    return this.auth.login(request);
  }
}
