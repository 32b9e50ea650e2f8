import { Agent, request } from 'node:http';
import { LoadRun, SeededRandom, tally } from '@platform/testing';
import { type Platform, startPlatform } from '../platform.js';
import { routeTableOf } from '../route-table.js';
import { type Credentials, type FuzzRequest, fuzzRequests } from './fuzz.js';
import { pidOf, reportFigure } from './support.js';

/** Reproducible: a failure names its route and request number; FUZZ_SEED replays another run. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const REQUESTS_PER_ROUTE = 100;
const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Answer {
  status: number;
  body: string;
  error?: string;
}

/** Sends a request exactly as given (node:http does not normalize the path, unlike fetch). */
function send(port: number, agent: Agent, fuzz: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const headers = { ...fuzz.headers, ...(fuzz.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(fuzz.body)) }) };
    const outgoing = request({ host: '127.0.0.1', port, method: fuzz.method, path: fuzz.path, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ status: response.statusCode ?? 0, body: '', error: error.code ?? error.message }));
    });
    outgoing.setTimeout(15_000, () => outgoing.destroy(new Error('no answer within 15 s')));
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, body: '', error: error.code ?? error.message }));
    outgoing.end(fuzz.body);
  });
}

/**
 * Every route of the gateway, found at run time from the route table it logs at start, so a
 * route added later is fuzzed without touching this test: a seeded generator sends each one
 * malformed JSON, values of the wrong type, oversized and deeply nested bodies, unknown fields,
 * odd path parameters and queries, with and without (and with bad) credentials. The contract:
 * bad input gets a 4xx, never a 5xx, and every process stays up.
 */
describe('fuzzing every gateway route', () => {
  let platform: Platform;
  let credentials: Credentials;

  beforeAll(async () => {
    platform = await startPlatform({ gatewayEnv: { ADMIN_TOKEN, DEV_ENDPOINTS: 'true', RPC_TIMEOUT_MS: '5000' } });
    // A logged-in user, when the gateway has sessions; an anonymous cookie otherwise.
    const user = { email: 'fuzz-user@example.com', password: 'fuzz user password' };
    await platform.request('/auth/register', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(user) });
    const login = await fetch(`${platform.gateway.url}/auth/login`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(user) });
    credentials = { adminToken: ADMIN_TOKEN, sessionCookie: login.headers.get('set-cookie')?.split(';')[0] ?? 'session=none' };
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it(`answers ${REQUESTS_PER_ROUTE} malformed requests per route with 4xx (or 2xx), never 5xx, and stays up`, async () => {
    const services = [...platform.services.services.values()];
    const pids = services.map(pidOf);
    const routes = routeTableOf(platform.gateway);
    // The seed routes at least; everything else the build serves comes along.
    expect(routes).toEqual(expect.arrayContaining(['GET /test', 'GET /test1', 'GET /test2', 'GET /health/ready']));

    const random = new SeededRandom(SEED);
    const requests = routes.flatMap((route) => fuzzRequests(route, random, REQUESTS_PER_ROUTE, credentials).map((fuzz, n) => ({ route, n, fuzz })));
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const calls = await LoadRun.start({ concurrency: 4, total: requests.length, send: (i) => send(platform.gateway.port, agent, requests[i]!.fuzz) }).finished();
    agent.destroy();

    const failures = calls
      .filter((call) => call.outcome.status >= 500 || call.outcome.status === 0)
      .map((call) => {
        const { route, n, fuzz } = requests[call.index]!;
        const sent = `${fuzz.method} ${fuzz.path.slice(0, 120)} ${JSON.stringify(fuzz.headers)} ${fuzz.body?.slice(0, 120) ?? ''}`;
        return `${route} #${n} (seed ${SEED}) [${fuzz.label}]: ${sent} -> ${call.outcome.status} ${call.outcome.error ?? ''} ${call.outcome.body}`;
      });
    const statuses = tally(calls, (call) => call.outcome.status);
    reportFigure('route fuzz', `seed ${SEED}: ${calls.length} requests over ${routes.length} routes, statuses ${JSON.stringify(statuses)}`);
    expect(failures).toEqual([]);

    // Every process is still the one that started, and serving.
    expect(services.map(pidOf)).toEqual(pids);
    for (const service of services) await service.waitUntil('live', 10_000);
    expect((await platform.request('/test1')).status).toBe(200);
  }, 180_000);
});
