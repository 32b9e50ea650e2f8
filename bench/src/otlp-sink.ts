import { createServer, type Server } from 'node:http';
import { freePort } from '@platform/testing';

/**
 * A stand-in OTLP/HTTP collector: accepts every export with 200, counts requests and bytes.
 * Tracing then pays for real span export (serialisation, HTTP) but not for a collector's work.
 */
export class OtlpSink {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** Export requests and bytes received so far. */
    readonly received: { exports: number; bytes: number },
  ) {}

  static async start(): Promise<OtlpSink> {
    const port = await freePort();
    const received = { exports: 0, bytes: 0 };
    const server = createServer((request, response) => {
      request.on('data', (chunk: Buffer) => {
        received.bytes += chunk.length;
      });
      request.on('end', () => {
        received.exports++;
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return new OtlpSink(server, `http://127.0.0.1:${port}`, received);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
