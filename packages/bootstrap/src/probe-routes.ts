/**
 * The routes the kubelet and Prometheus poll, at the pod itself rather than through a Service:
 * liveness, readiness and the scrape. Frequent and uninteresting, so they log at debug and
 * stay out of the request histogram (they would drown the API's own figures); they call no
 * other service, so they run under no request budget.
 */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready', '/metrics']);
