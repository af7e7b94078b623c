/**
 * Streams a WebDataset tar shard into samples (tar-stream does the tar format; the grouping
 * rules live in sample-assembler.ts). One member is held at a time, plus the sample it belongs
 * to. A broken archive never throws: the samples before the break are yielded, then one
 * invalid record (`truncated` or `corrupt`). Errors of the input stream itself (network, disk)
 * do throw, so the caller can retry.
 */
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { SampleAssembler, type ShardRecord, type TarReason } from './sample-assembler';
import { RegroupingAssembler } from './tar-regroup';

export {
  INVALID_KEY_PREFIX,
  TAR_REASONS,
  UngroupedShardError,
  type ShardRecord,
  type TarReason,
} from './sample-assembler';

/** One tar member: its header and a stream of its bytes. */
type TarEntry = tar.ExtractEvents['entry'][1];

export interface ReadShardOptions {
  /** Larger members make their sample invalid (`member_too_large`) and are never buffered. */
  readonly maxMemberBytes?: number;
  /** Samples with more members are invalid (`too_many_members`). */
  readonly maxMembersPerSample?: number;
  /**
   * Read a tar whose members are not grouped by key, holding at most this many bytes
   * (tar-regroup.ts). Without it, such a tar throws UngroupedShardError at the first key that
   * comes back, so that grouped shards, the usual case, stream with one sample in memory.
   */
  readonly regroupMaxBytes?: number;
}

export const DEFAULT_MAX_MEMBER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_MEMBERS_PER_SAMPLE = 64;

export async function* readShard(
  input: Readable,
  options: ReadShardOptions = {},
): AsyncGenerator<ShardRecord> {
  const limits = {
    maxMemberBytes: options.maxMemberBytes ?? DEFAULT_MAX_MEMBER_BYTES,
    maxMembersPerSample: options.maxMembersPerSample ?? DEFAULT_MAX_MEMBERS_PER_SAMPLE,
  };
  const assembler =
    options.regroupMaxBytes === undefined
      ? new SampleAssembler(limits)
      : new RegroupingAssembler(limits, options.regroupMaxBytes);
  const extract = tar.extract();
  let sourceError: unknown;
  let bytesIn = 0;
  let head: Buffer | undefined;
  const onData = (chunk: Buffer): void => {
    head ??= chunk.subarray(0, 2);
    bytesIn += chunk.length;
  };
  const onError = (err: unknown): void => {
    sourceError = err;
    extract.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  // A member's stream fails with a generic "destroyed" error; the archive's own error says why.
  let archiveError: unknown;
  extract.on('error', (err: unknown) => (archiveError ??= err));
  const closed = new Promise<void>((resolve) => extract.once('close', () => resolve()));
  input.on('data', onData);
  input.on('error', onError);
  input.pipe(extract);
  const entries = extract[Symbol.asyncIterator]();
  const broken = async (err: unknown): Promise<ShardRecord[]> => {
    if (!extract.destroyed) extract.destroy(err instanceof Error ? err : new Error(String(err)));
    await closed;
    if (sourceError !== undefined) throw sourceError;
    return assembler.fail(...describeFailure(archiveError ?? err, head));
  };

  let completed = false;
  try {
    for (;;) {
      let step: IteratorResult<TarEntry>;
      try {
        step = await entries.next();
      } catch (err) {
        yield* await broken(err);
        return;
      }
      if (step.done) break;
      const { emit, keep } = assembler.begin(step.value.header);
      yield* emit;
      try {
        const data = await readMember(step.value, keep);
        if (keep) assembler.finish(data);
      } catch (err) {
        yield* await broken(err);
        return;
      }
    }
    if (sourceError !== undefined) throw sourceError;
    completed = true;
    if (bytesIn === 0) {
      yield* assembler.fail(
        'truncated',
        'empty input: not a tar archive (an empty tar has 1024 zero bytes)',
      );
    } else {
      yield* assembler.end();
    }
  } finally {
    input.off('data', onData);
    input.unpipe(extract);
    if (!completed) {
      // The consumer stopped early or the archive broke: stop reading the input.
      extract.destroy();
      input.destroy();
    }
  }
}

/**
 * A member's bytes, or an empty buffer after draining it when they are not wanted. A member
 * that arrives in one chunk is that chunk (a view of the input's read buffer, which streams
 * hand over for good): copying every image once more cost a memcpy and, worse, enough fresh
 * external memory to trigger a major GC every few dozen images (see BENCHMARKS.md).
 */
async function readMember(entry: TarEntry, keep: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) {
    if (keep) chunks.push(chunk as Buffer);
  }
  if (!keep) return Buffer.alloc(0);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function describeFailure(err: unknown, head: Buffer | undefined): [TarReason, string] {
  const message = err instanceof Error ? err.message : String(err);
  if (head !== undefined && head[0] === 0x1f && head[1] === 0x8b) {
    return ['corrupt', `compressed (gzip) input, expected a plain tar: ${message}`];
  }
  if (/unexpected end/i.test(message)) return ['truncated', `archive ends early: ${message}`];
  return ['corrupt', message];
}
