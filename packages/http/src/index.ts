export {
  ADMIN_TOKEN,
  ADMIN_TOKEN_FAILURES,
  type AdminAccess,
  AdminTokenBlockedException,
  type AdminTokenFailures,
  AdminTokenGuard,
  bearerToken,
} from './admin-token.guard.js';
export {
  type AddressedRequest,
  clientAddress,
  type ClientNetwork,
  clientNetwork,
  clientNetworks,
  type NetworkScope,
  NO_ADDRESS,
  parseClientAddress,
} from './client-address.js';
export { HttpErrorBody, HttpErrorFilter, toErrorBody } from './http-error.filter.js';
export { RESPONSE_SCHEMA, Returns } from './returns.decorator.js';
export { addRouteHook, type AnyFastifyPlugin, type HookScope, registerForRoutes, type RouteHookName, withRouteConfig } from './route-hooks.js';
