import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/**
 * Marks `span` as failed with `error`. Nest sends RPC errors as plain objects
 * (`{ status: 'error', message }`), so non-Error values are described, not dropped.
 */
export function recordSpanError(span: Span, error: unknown): void {
  if (error instanceof Error) {
    span.recordException(error);
    span.setAttribute(ATTR_ERROR_TYPE, error.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    return;
  }
  const message =
    typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string'
      ? error.message
      : String(typeof error === 'object' ? JSON.stringify(error) : error);
  span.recordException({ name: 'RpcError', message });
  span.setAttribute(ATTR_ERROR_TYPE, 'RpcError');
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
