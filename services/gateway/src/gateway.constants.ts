/** Injection token of the gateway's validated configuration (GatewayConfig). */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
