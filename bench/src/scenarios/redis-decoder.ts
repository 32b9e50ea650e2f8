import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { repoRoot } from '@platform/testing';
import { benchDir } from '../paths.js';
import { rate, Recorder, rotation, times } from '../results.js';
import { type Scenario, type ScenarioOutcome, skipped } from '../scenario.js';
import { ratio } from '../stats.js';

interface Decoder {
  write(chunk: Buffer): void;
}
type DecoderClass = new (config: { getTypeMapping: () => object; onReply: (reply: unknown) => void; onErrorReply: (error: unknown) => void; onPush: (reply: unknown) => void }) => Decoder;

const require = createRequire(import.meta.url);
/** Where the RESP decoder every ioredis connection uses lives: ioredis/built/resp/. */
const installedResp = join(dirname(require.resolve('ioredis')), 'resp');
const DECODER_PATCH_PATH = 'node_modules/ioredis/built/resp/decoder.js';

const bulk = (value: string) => `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
const array = (items: string[]) => `*${items.length}\r\n${items.join('')}`;
// A Streams request as the transport writes it (an id, a version and the JSON envelope).
const envelope = JSON.stringify({
  id: '3b2f1e0c-9d8a-4c1b-8e7f-6a5b4c3d2e1f',
  replyTo: 'streams:replies:gateway:web-7d9f8c6b5-x2k4q-1:9f8e7d6c5b4a',
  deadline: 1_765_000_000_000,
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  data: { from: 'gateway' },
});
const streamEntry = (n: number) => array([bulk(`1765000000000-${n}`), array([bulk('v'), bulk('1'), bulk('m'), bulk(envelope)])]);

/** Replies every service reads all day, as Redis sends them. */
const SHAPES = [
  {
    id: 'xreadgroup',
    label: 'XREADGROUP: 4 requests of one stream (the Streams server’s read)',
    reply: array([array([bulk('streams:rpc:catalog.hello'), array([0, 1, 2, 3].map(streamEntry))])]),
  },
  {
    id: 'job',
    label: 'a BullMQ job’s 30 hash fields (what a worker fetches with each job)',
    reply: array(Array.from({ length: 30 }, (_, i) => bulk(i % 2 === 0 ? `field${i}` : `{"value":${i},"at":1765000000000}`))),
  },
  { id: 'integer', label: 'an integer (XACK, DEL, INCR)', reply: ':1\r\n' },
  { id: 'status', label: 'a status (+OK)', reply: '+OK\r\n' },
] as const;

const REPLIES = { full: 50_000, quick: 10_000, smoke: 1_000 } as const;

/**
 * The stock decoder, for the comparison: the patch of `patchFile` undone on a copy of
 * ioredis/built/resp/ (under bench/.runs/, so the copy resolves ioredis' dependencies from the
 * repository's node_modules); or why it could not be undone (the installed decoder is not the
 * patched one, or there is no git).
 */
function stockDecoderFile(patchFile: string): { file: string } | { failed: string } {
  // git apply outside any repository, where it applies paths as written in the patch.
  const scratch = mkdtempSync(join(tmpdir(), 'stock-ioredis-'));
  try {
    cpSync(installedResp, join(scratch, dirname(DECODER_PATCH_PATH)), { recursive: true });
    try {
      execFileSync('git', ['apply', '--reverse', `--include=${DECODER_PATCH_PATH}`, patchFile], { cwd: scratch, stdio: 'pipe' });
    } catch (error) {
      const output = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
      return { failed: `git apply --reverse ${basename(patchFile)} failed (${output || (error as Error).message}): is it applied (npm ci applies patches/)?` };
    }
    const copy = join(benchDir, '.runs', 'stock-ioredis-resp');
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(dirname(copy), { recursive: true });
    cpSync(join(scratch, dirname(DECODER_PATCH_PATH)), copy, { recursive: true });
    // ioredis' files are CommonJS; bench/'s package.json says ESM.
    writeFileSync(join(copy, 'package.json'), '{ "type": "commonjs" }\n');
    return { file: join(copy, 'decoder.js') };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Nanoseconds per reply to decode `count` copies of `reply`, one chunk each (the decoder keeps no state between them). */
function decodeTime(decoder: Decoder, reply: Buffer, count: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) decoder.write(reply);
  return Number(process.hrtime.bigint() - started) / count;
}

function newDecoder(Decoder: DecoderClass, onReply: () => void): Decoder {
  return new Decoder({ getTypeMapping: () => ({}), onReply, onErrorReply: onReply, onPush: onReply });
}

/**
 * ioredis 6.0's RESP decoder as the platform installs it (patches/: the same source built for
 * ES2022, so its private members are the engine's own) beside the stock build (ES2021, which
 * turns each private member access into a WeakMap lookup), side by side in one process, on the
 * replies the platform reads most.
 */
export const redisDecoderScenario: Scenario = {
  id: 'redis-decoder',
  title: 'ioredis’ RESP decoder: patched (ES2022) vs stock (ES2021)',
  async run(context): Promise<ScenarioOutcome> {
    const { settings } = context;
    const patches = join(repoRoot, 'patches');
    const patchFile = existsSync(patches) ? readdirSync(patches).find((name) => name.startsWith('ioredis+')) : undefined;
    if (!patchFile) return skipped('no ioredis patch in patches/');
    const stock = stockDecoderFile(join(patches, patchFile));
    if ('failed' in stock) return skipped(stock.failed);
    let decoded = 0;
    const count = () => {
      decoded++;
    };
    const variants = [
      { id: 'patched', label: 'installed (patched: ES2022)', decoder: newDecoder((require(join(installedResp, 'decoder.js')) as { Decoder: DecoderClass }).Decoder, count) },
      { id: 'stock', label: 'stock ioredis 6.0 build (ES2021)', decoder: newDecoder((require(stock.file) as { Decoder: DecoderClass }).Decoder, count) },
    ];
    const replies = REPLIES[settings.mode];
    const recorder = new Recorder();
    for (const variant of variants) for (const shape of SHAPES) decodeTime(variant.decoder, Buffer.from(shape.reply), replies);
    for (let round = 0; round < settings.rounds; round++) {
      for (const variant of rotation(variants, round)) {
        for (const shape of SHAPES) recorder.add(`${variant.id}-${shape.id}`, 'nsPerReply', decodeTime(variant.decoder, Buffer.from(shape.reply), replies), 'ns');
      }
      context.log(`redis-decoder: round ${round + 1}/${settings.rounds} done`);
    }
    const expected = (settings.rounds + 1) * variants.length * SHAPES.length * replies;
    if (decoded !== expected) throw new Error(`decoded ${decoded} replies, expected ${expected}`);
    const ns = (variant: string, shape: string) => recorder.median(`${variant}-${shape}`, 'nsPerReply');
    return {
      status: 'ok',
      figures: recorder.figures(),
      extra: { patch: patchFile, repliesPerRound: replies },
      tables: [
        {
          title: `Decoding replies, ${rate(replies)} of each shape per variant and round (ns per reply)`,
          columns: ['reply', ...variants.map((variant) => variant.label), 'stock ÷ patched'],
          rows: SHAPES.map((shape) => [shape.label, rate(ns('patched', shape.id)), rate(ns('stock', shape.id)), times(ratio(ns('stock', shape.id), ns('patched', shape.id)))]),
        },
      ],
      notes: [
        `Both decoders run in one process on the same buffers; the stock one is the installed file with patches/${patchFile} undone. ` +
          'Every ioredis connection (the Streams transport, Nest’s Redis transport, BullMQ, the caches) decodes its replies with it.',
      ],
      targets: [],
    };
  },
};
