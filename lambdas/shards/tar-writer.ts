/**
 * Writes samples as a WebDataset tar shard, streaming into storage (tar-stream does the tar
 * format). The bytes depend only on the samples: members in sorted extension order, mtime 0,
 * uid/gid 0, empty owner names, mode 0644, so a rerun of a stage writes identical shards.
 */
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import type { WrittenShard } from '../../core/contracts';
import type { Sample } from '../../core/ops/sample';
import { badExtensionReason, badKeyReason } from './member-names';
import { storageFor, type Storage, type WriteOptions, type WriteResult } from './storage';

const FIXED_MTIME = new Date(0);

export class ShardWriter {
  private readonly pack = tar.pack();
  private readonly written: Promise<WriteResult>;
  private readonly keys = new Set<string>();
  private samples = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';
  private failure: unknown;

  /** `options.tags` are stored with the shard (see WriteOptions). */
  constructor(
    readonly uri: string,
    storage: Storage = storageFor(uri),
    options: WriteOptions = {},
  ) {
    // Node's Readable.from pulls from the pack only as fast as storage consumes, so
    // backpressure reaches add(); a destroyed pack errors the body and fails the write.
    const body = Readable.from(this.pack, { objectMode: false });
    this.pack.on('error', () => undefined); // surfaced through `written` and the entry callbacks
    this.written = storage.write(uri, body, options);
    this.written.catch((err: unknown) => {
      this.failure ??= err;
      this.pack.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /**
   * Appends one sample. Resolves once its bytes are handed on (waiting while storage is
   * behind); calls made without awaiting still land in call order.
   */
  async add(sample: Sample): Promise<void> {
    this.assertOpen('add');
    const exts = Object.keys(sample.parts).sort();
    validateSample(sample, exts);
    if (this.keys.has(sample.key))
      throw new Error(`sample key ${sample.key} written twice to ${this.uri}`);
    this.keys.add(sample.key);
    this.samples += 1;
    const members = exts.map((ext) =>
      this.addMember(`${sample.key}.${ext}`, sample.parts[ext] ?? Buffer.alloc(0)),
    );
    try {
      await Promise.all(members);
    } catch (err) {
      throw this.failure ?? err;
    }
  }

  /** Ends the archive; resolves once storage holds the whole shard. */
  async close(): Promise<WrittenShard> {
    this.assertOpen('close');
    this.state = 'closed';
    this.pack.finalize();
    const result = await this.written;
    return { uri: result.uri, samples: this.samples, bytes: result.bytes, sha256: result.sha256 };
  }

  /** Abandons the shard: nothing is left in storage (temp file removed, multipart aborted). */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.failure ??= new Error(`shard write aborted: ${this.uri}`);
    this.pack.destroy(this.failure as Error);
    await this.written.catch(() => undefined);
  }

  private addMember(name: string, data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const header = {
        name,
        size: data.length,
        mode: 0o644,
        mtime: FIXED_MTIME,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        type: 'file' as const,
      };
      const sink = this.pack.entry(header, data, (err) => (err ? reject(err) : resolve()));
      // The callback reports the failure; without a listener the sink's 'error' event would throw.
      sink.on('error', () => undefined);
    });
  }

  private assertOpen(action: string): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state !== 'open')
      throw new Error(`cannot ${action}: shard writer for ${this.uri} is ${this.state}`);
  }
}

function validateSample(sample: Sample, exts: readonly string[]): void {
  const badKey = badKeyReason(sample.key);
  if (badKey) throw new Error(`unsafe sample key ${JSON.stringify(sample.key)}: ${badKey}`);
  if (exts.length === 0) throw new Error(`sample ${sample.key} has no parts; a tar cannot hold it`);
  for (const ext of exts) {
    const badExt =
      badExtensionReason(ext) ??
      (ext === ext.toLowerCase() ? undefined : 'extension is not lower-case');
    if (badExt)
      throw new Error(`sample ${sample.key}: bad extension ${JSON.stringify(ext)}: ${badExt}`);
  }
}
