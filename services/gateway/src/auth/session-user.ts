import type { Account } from '@contracts/accounts';

/** Who is logged in, as kept in the session (set at login, read by SessionGuard). */
export type SessionUser = Account;

declare module 'fastify' {
  interface Session {
    /** Present once the session belongs to a logged-in account. */
    user?: SessionUser;
    /** The credential epoch the login verified (see SessionGuard); absent in older sessions. */
    credentialEpoch?: number;
  }
}
