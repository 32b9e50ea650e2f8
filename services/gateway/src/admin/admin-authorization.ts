import { bearerToken } from '@platform/http';

/**
 * The admin token a request presents: `Authorization: Bearer <token>` (curl, scripts), or
 * HTTP Basic with the token as the password (any user name), which is what a browser can
 * send when it opens Bull Board and asks for credentials.
 */
export function presentedAdminToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const bearer = bearerToken(header);
  if (bearer !== undefined) return bearer;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return undefined;
  const credentials = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon >= 0 ? credentials.slice(colon + 1) : undefined;
}
