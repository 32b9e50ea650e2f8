import { createServer, type Server } from 'node:http';
import { httpOutcome, LoadRun, tally } from './load.js';
import { freePort } from './ports.js';

describe('LoadRun and httpOutcome', () => {
  let server: Server;
  let url: string;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        const status = request.url === '/fail' ? 503 : 200;
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url }));
      }, 5);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends exactly `total` calls with at most `concurrency` in flight, recording each outcome', async () => {
    const run = LoadRun.start({ concurrency: 4, total: 40, send: (i) => httpOutcome(`${url}/${i % 10 === 0 ? 'fail' : i}`) });
    const calls = await run.finished();
    expect(calls.map((call) => call.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(tally(calls, (call) => call.outcome.status)).toEqual({ 200: 36, 503: 4 });
    expect(calls[1]!.outcome.body).toEqual({ path: '/1' });
    expect(maxInFlight).toBeLessThanOrEqual(4);
  });

  it('stops sending on stop() and still waits for the calls in flight', async () => {
    const run = LoadRun.start({ concurrency: 3, send: (i) => httpOutcome(`${url}/${i}`) });
    while (run.completed < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    const calls = await run.stop();
    expect(calls.length).toBe(run.sent);
    expect(calls.every((call) => call.outcome.status === 200)).toBe(true);
  });

  it('reports a refused connection as status 0 with its code instead of throwing', async () => {
    const outcome = await httpOutcome(`http://127.0.0.1:${await freePort()}/`);
    expect(outcome).toMatchObject({ status: 0, error: 'ECONNREFUSED' });
  });
});
