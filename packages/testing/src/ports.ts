import { createServer } from 'node:net';

/**
 * Ports are drawn below the ephemeral range (Linux: 32768-60999, macOS: 49152-65535). A port
 * the OS picks for `listen(0)` comes from that range, which outgoing connections use too: on
 * a busy machine a client socket can take it between the moment a test picks it and the
 * moment the service binds it (EADDRINUSE).
 */
const LOWEST = 15_000;
const HIGHEST = 32_000;
const handedOut = new Set<number>();

/** Whether `port` can be bound on 127.0.0.1 right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port the OS picks (ephemeral range): the fallback when no port of ours is free. */
function osPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the OS picked'));
      });
    });
  });
}

/**
 * A TCP port that was free on 127.0.0.1 a moment ago, outside the ephemeral range, and not
 * handed out before by this process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return osPickedPort();
}

/** Several distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
