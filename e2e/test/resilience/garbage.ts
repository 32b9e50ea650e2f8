/** Garbage to write where the services read: stream entries, reply lists, pub/sub messages. */
import type { Redis } from 'ioredis';

/** Over the transport's default maxEntryBytes (1 MiB). */
export const OVERSIZED = 'x'.repeat(1_100_000);

/** Envelope-level garbage for one stream kind, with the reason the transport must give. */
export function streamGarbage(kind: 'rpc' | 'event'): Array<{ fields: Record<string, string>; reason: string }> {
  const valid: Record<string, string> =
    kind === 'rpc'
      ? { v: '1', id: 'garbage', replyTo: 'streams:inbox:garbage', deadline: String(Date.now() + 60_000), headers: '{}', data: '{}' }
      : { v: '1', headers: '{}', data: '{}' };
  return [
    { fields: { ...valid, data: '{"from":' }, reason: 'bad-json' },
    { fields: { ...valid, headers: 'not json' }, reason: 'bad-json' },
    { fields: { hello: 'world' }, reason: 'wrong-shape' },
    { fields: { ...valid, v: '99' }, reason: 'wrong-shape' },
    { fields: { ...valid, headers: '{"n":1}' }, reason: 'wrong-shape' },
    ...(kind === 'rpc' ? [{ fields: { ...valid, replyTo: 'streams:rpc:catalog.hello' }, reason: 'wrong-shape' }] : []),
    { fields: { ...valid, data: JSON.stringify({ pad: OVERSIZED }) }, reason: 'oversized' },
  ];
}

/** Garbage for a client's reply list (popped by that client only: logged and skipped). */
export const REPLY_GARBAGE: string[] = [
  '{"v":"1","id":"garbage","reply":{"response":',
  JSON.stringify({ hello: 'world' }),
  'not json',
  JSON.stringify({ v: '1', id: 'garbage', reply: { response: OVERSIZED } }),
];

/** Garbage for any pub/sub channel, whoever listens: not JSON, binary, JSON of the wrong shape, huge. */
export const CHANNEL_GARBAGE: Array<string | Buffer> = [
  '{"pattern":',
  Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x22]),
  '{}',
  '[1,2,3]',
  'null',
  JSON.stringify({ pattern: 'catalog.hello', data: { from: 5 }, id: 'garbage' }),
  JSON.stringify({ pattern: 'seed.ping', data: { id: 7 } }),
  JSON.stringify({ version: 'x', changed: ['no.such.key'] }),
  JSON.stringify({ pad: OVERSIZED }),
];

/** Keys matching `match` of one Redis type, found with SCAN (so keys added later are covered). */
export async function keysOfType(redis: Redis, match: string, type: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1_000, 'TYPE', type);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** A stream entry's field list as a record. */
export function fieldsOf(entry: [string, string[]]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < entry[1].length; i += 2) record[entry[1][i]!] = entry[1][i + 1]!;
  return record;
}

