import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@platform/testing';

/** A message the sink received in full, and whether it accepted it (answered 250). */
export interface SinkMessage {
  from: string;
  to: string[];
  messageId: string;
  data: string;
  accepted: boolean;
}

/**
 * A minimal SMTP server for tests, on loopback: enough of RFC 5321 for nodemailer (EHLO, MAIL,
 * RCPT, DATA, RSET, NOOP, QUIT; no TLS, no auth). A message counts as sent only once the
 * sink answers 250 to its DATA, as with a real relay. With `hold()` it keeps that answer
 * back, which leaves the sending worker mid-job for as long as the test wants; a message
 * whose connection closes before the 250 is not accepted (the relay never took it).
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  private holding = false;
  /** Answers kept back, with the connection each belongs to. */
  private readonly held: Array<{ socket: Socket; accept: () => void }> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpSink> {
    const port = await freePort();
    const server = createServer();
    const sink = new SmtpSink(server, port);
    server.on('connection', (socket) => sink.serve(socket));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return sink;
  }

  /** SMTP_URL for the notifications service. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages accepted (250) for a recipient. */
  acceptedFor(to: string): SinkMessage[] {
    return this.messages.filter((message) => message.accepted && message.to.includes(to));
  }

  /** Messages received in full but not (yet) accepted, on connections still open. */
  get waiting(): number {
    return this.held.length;
  }

  /** Keeps back the answer to every DATA from now on. */
  hold(): void {
    this.holding = true;
  }

  /** Answers the held messages (250) and every later one at once. */
  release(): void {
    this.holding = false;
    for (const { accept } of this.held.splice(0)) accept();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      // A held message whose sender hung up can no longer be accepted: the relay never took it.
      // Until this event runs the socket still looks open, so a test that kills a sender waits
      // for `waiting` to drop before it releases the others.
      for (let i = this.held.length - 1; i >= 0; i--) if (this.held[i]!.socket === socket) this.held.splice(i, 1);
    });
    socket.on('error', () => undefined);
    const reply = (line: string) => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    let buffer = '';
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    let inData = false;
    reply('220 sink ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          const data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          const message: SinkMessage = { ...envelope, messageId: /^Message-ID:\s*(.+)$/im.exec(data)?.[1]?.trim() ?? '', data, accepted: false };
          envelope = { from: '', to: [] };
          this.messages.push(message);
          const accept = () => {
            if (socket.destroyed) return;
            message.accepted = true;
            reply('250 2.0.0 accepted');
          };
          if (this.holding) this.held.push({ socket, accept });
          else accept();
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline === -1) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250-sink\r\n250 8BITMIME');
        else if (verb === 'HELO' || verb === 'RSET' || verb === 'NOOP') reply('250 OK');
        else if (verb === 'MAIL') {
          envelope = { from: /<([^>]*)>/.exec(line)?.[1] ?? '', to: [] };
          reply('250 OK');
        } else if (verb === 'RCPT') {
          envelope.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 command not implemented');
      }
    });
  }
}
