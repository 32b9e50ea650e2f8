/**
 * `--import` preload for accounts: the login limiter allows every attempt and keeps no
 * count, with no Redis round trip (accounts has no switch for it: this is the "without the
 * limiter" side of the comparison, never a configuration to run).
 */
import { patchServiceClass } from './patch.js';

await patchServiceClass('accounts', 'auth/login-limiter.js', 'LoginLimiter', {
  reserve: async () => ({ allowed: true }),
  succeeded: async () => ({ allowed: true }),
});
