import { createHash, randomUUID } from 'node:crypto';
import { currentScope, type RunningOperation, startOperation } from './request-scope.js';

export type { Operation } from './request-scope.js';

/**
 * Names the operation the request being handled performs (a no-op outside a request with a
 * deadline). From then on its calls to other services carry request ids derived from `key`
 * (callId), so a retry of the whole request (the same Idempotency-Key after a 504) sends the
 * same requests, and the services answer them from memory instead of handling them twice.
 */
export function identifyOperation(key: string, keepRepliesMs: number): void {
  const scope = currentScope();
  if (scope) scope.operation = startOperation({ key, keepRepliesMs });
}

/** The operation of the request being handled, if it was named. */
export function currentOperation(): RunningOperation | undefined {
  return currentScope()?.operation;
}

/**
 * The request id of the next call to `target` (an RPC pattern) of the current operation,
 * and how long the callee should keep its reply; undefined outside a named operation (the
 * caller then picks a random id). The same on every run of the operation as long as it makes
 * its calls in the same order, which a handler that depends only on its input does.
 */
export function callId(target: string): { id: string; keepReplyMs: number } | undefined {
  const operation = currentOperation();
  if (!operation) return undefined;
  const calls = (operation.calls ??= new Map());
  const n = (calls.get(target) ?? 0) + 1;
  calls.set(target, n);
  return { id: digest(`${operation.key}\ncall\n${target}\n${n}`).toString('base64url'), keepReplyMs: operation.keepRepliesMs };
}

/**
 * An id for something the current operation creates (`purpose` names it: "product"), as a
 * UUID: the same on every run of the operation, so a handler run again after its replica
 * died mid-way (or whose reply was lost) writes the same record instead of a second one.
 * Random outside a named operation.
 */
export function operationId(purpose: string): string {
  const operation = currentOperation();
  if (!operation) return randomUUID();
  return uuidFrom(`${operation.key}\nid\n${purpose}`);
}

/** A UUID derived from `seed` (the same seed, the same UUID): RFC 9562 UUIDv8 over its SHA-256. */
export function uuidFrom(seed: string): string {
  const bytes = digest(seed).subarray(0, 16);
  // Version 8 (custom), variant 10xx.
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
