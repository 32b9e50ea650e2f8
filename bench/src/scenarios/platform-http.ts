import { fetchJson, type JsonResponse } from '@platform/testing';
import { BENCH_ADMIN_TOKEN } from '../stacks.js';

/** A JSON request to a stack's gateway; the body parsed when it is JSON. */
export function requestJson(url: string, init: RequestInit & { json?: unknown } = {}): Promise<JsonResponse> {
  const { json, ...rest } = init;
  return fetchJson(url, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } }),
  });
}

export const adminHeaders = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };

