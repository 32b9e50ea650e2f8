export { ADMIN_TOKEN, AdminTokenGuard } from './admin-token.guard.js';
export { type HttpErrorBody, HttpErrorFilter, toErrorBody } from './http-error.filter.js';
export { describeIssues, ZodValidationPipe } from './zod-validation.pipe.js';
