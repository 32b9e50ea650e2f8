/**
 * `--import` preload for notifications: the dev outbox transport delivers nowhere and writes
 * nothing, so the email queue is measured without the cost of a delivery (SMTP or outbox).
 * The worker's own work stays: validation, rendering, the sent check and the sending claim.
 */
import { patchServiceClass } from './patch.js';

await patchServiceClass('notifications', 'email/mail-transport.js', 'OutboxMailTransport', {
  deliver: async () => undefined,
});
