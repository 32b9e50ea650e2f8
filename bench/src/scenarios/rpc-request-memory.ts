import { ms, perRequest, rate, type Recorder, type Table, times } from '../results.js';
import { ratio } from '../stats.js';

const ON = 'streams-retry-safe';
const OFF = 'streams';

/** "+0.04 (1.12x)": what the memory adds, and as a ratio of on to off. */
function added(on: number, off: number, format: (value: number) => string): string {
  if (!Number.isFinite(on) || !Number.isFinite(off)) return 'n/a';
  const difference = on - off;
  return `${difference >= 0 ? '+' : '-'}${format(Math.abs(difference))} (${times(ratio(on, off))})`;
}

/** "18,000 keys × 210 B ≈ 3.6 MB". */
function held(keys: number, bytesPerKey: number): string {
  if (!Number.isFinite(keys)) return 'n/a';
  if (!Number.isFinite(bytesPerKey)) return `${rate(keys)} keys`;
  return `${rate(keys)} keys × ${rate(bytesPerKey)} B ≈ ${((keys * bytesPerKey) / 1e6).toFixed(1)} MB`;
}

/**
 * The Streams transport's request memory priced: the same transport with it (retry-safe
 * calls, a chosen id each) and without it (plain calls, a random id), side by side in the rpc scenario.
 */
export function requestMemoryTable(recorder: Recorder, concurrency: number): Table {
  const figure = (variant: string, name: string) => recorder.median(variant, name);
  const row = (label: string, name: string, format: (value: number) => string) => [
    label,
    format(figure(ON, name)),
    format(figure(OFF, name)),
    added(figure(ON, name), figure(OFF, name), format),
  ];
  return {
    title: 'The Streams transport’s request memory: on (retry-safe calls, a chosen id each) vs off (plain calls, a random id)',
    columns: ['figure', 'memory on', 'memory off', 'the memory adds (on vs off)'],
    rows: [
      row('p50 at 1 in flight (ms)', 'p50', ms),
      row('p99 at 1 in flight (ms)', 'p99', ms),
      row(`req/s at ${concurrency} in flight`, 'rps', rate),
      row('CPU per request (µs): caller, server, redis-server', 'cpuUsPerRequest', rate),
      row('Redis commands per request', 'redisCommandsPerRequest', perRequest),
      [
        'request ids remembered right after a throughput window',
        held(figure(ON, 'handledKeys'), figure(ON, 'handledKeyBytes')),
        held(figure(OFF, 'handledKeys'), figure(OFF, 'handledKeyBytes')),
        '',
      ],
    ],
  };
}
