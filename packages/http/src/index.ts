export { ADMIN_TOKEN, AdminTokenGuard } from './admin-token.guard.js';
export { HttpErrorBody, HttpErrorFilter, toErrorBody } from './http-error.filter.js';
export { RESPONSE_SCHEMA, Returns } from './returns.decorator.js';
