export { keepsAnswer, REPLAYED_HEADERS } from './answer-policy.js';
export { type CallerOf, callerScope } from './caller-scope.js';
export { canonicalJson, recordKey, requestFingerprint } from './fingerprint.js';
export { idempotencyKeyParameter } from './idempotency-api-docs.js';
export { IDEMPOTENCY_KEY_HEADER, IdempotencyKeyHeader, KEY_RULE, MAX_KEY_LENGTH, readIdempotencyKey, REPLAYED_HEADER } from './idempotency-key.js';
export { type IdempotencyOutcome } from './idempotency-metrics.js';
export { type Claim, type ClaimOutcome, IdempotencyStore, StoredAnswer } from './idempotency-store.js';
export { type IdempotencyOptions, registerIdempotency } from './register-idempotency.js';
export { SKIP_IDEMPOTENCY, SkipIdempotency, takesIdempotencyKey } from './skip-idempotency.decorator.js';
