// Run by `helm test` inside the cluster: the gateway is ready (it reaches Redis) and its seed
// routes answer with the expected status, each over its own transport (TCP to legacy, Redis
// request/response, a Redis event).
const base = process.env.GATEWAY_URL;
const timeout = Number(process.env.TIMEOUT_MS ?? 10000);
const expected = [
  ['/health/ready', 200],
  ['/test', 200], // @example
  ['/test1', 200], // @example
  ['/test2', 202], // @example
];
let failed = 0;
for (const [path, status] of expected) {
  try {
    const response = await fetch(base + path, { signal: AbortSignal.timeout(timeout) });
    const body = await response.text();
    const ok = response.status === status;
    if (!ok) failed += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} GET ${path} -> ${response.status} (want ${status}) ${body.slice(0, 200)}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL GET ${path}: ${error.message}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
