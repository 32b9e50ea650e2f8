import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@platform/testing';
import { SMTPServer } from 'smtp-server';

/** How the peer answers: take mail, refuse it for now (451), refuse it for good (550), or take it slowly. */
export type PeerMode = 'accept' | 'busy' | 'reject' | { slowMs: number };

export interface ReceivedEmail {
  to: string;
  subject: string;
  messageId: string;
  text: string;
}

/**
 * A real SMTP server in the test process (the `smtp-server` package), what the notifications
 * service gets as SMTP_URL. It records every message it accepted and every RCPT it was
 * offered (delivery attempts), per recipient.
 */
export class SmtpPeer {
  readonly received: ReceivedEmail[] = [];
  private readonly offered = new Map<string, number>();
  mode: PeerMode = 'accept';
  /** Set while a slow delivery is being received. */
  receiving = false;

  private readonly server: SMTPServer;

  private constructor(readonly port: number) {
    this.server = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      onRcptTo: (address, _session, callback) => this.onRcptTo(address.address, callback),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          void this.onMessage(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((rcpt) => rcpt.address), callback);
        });
      },
    });
  }

  static async start(): Promise<SmtpPeer> {
    const peer = new SmtpPeer(await freePort());
    await new Promise<void>((resolve, reject) => {
      peer.server.once('error', reject);
      peer.server.listen(peer.port, '127.0.0.1', () => resolve());
    });
    return peer;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** How many times a recipient was offered (one per delivery attempt that reached the peer). */
  attemptsFor(address: string): number {
    return this.offered.get(address) ?? 0;
  }

  receivedBy(address: string): ReceivedEmail[] {
    return this.received.filter((email) => email.to === address);
  }

  /** Drops what a recipient got and was offered so far: a test counts what comes after. */
  forget(address: string): void {
    this.received.splice(0, this.received.length, ...this.received.filter((email) => email.to !== address));
    this.offered.delete(address);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onRcptTo(address: string, callback: (error?: Error | null) => void): void {
    this.offered.set(address, this.attemptsFor(address) + 1);
    if (this.mode === 'busy') return callback(Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 }));
    if (this.mode === 'reject') return callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
    callback();
  }

  private async onMessage(raw: string, recipients: string[], callback: (error?: Error | null) => void): Promise<void> {
    if (typeof this.mode === 'object') {
      this.receiving = true;
      await sleep(this.mode.slowMs);
      this.receiving = false;
    }
    const [head = '', ...body] = raw.split(/\r?\n\r?\n/);
    const headers = head.replace(/\r?\n[ \t]+/g, ' ');
    const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headers)?.[1]?.trim() ?? '';
    for (const to of recipients) {
      this.received.push({ to, subject: header('Subject'), messageId: header('Message-ID'), text: body.join('\n\n') });
    }
    callback();
  }
}
