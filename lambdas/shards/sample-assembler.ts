/**
 * The grouping rules of a WebDataset shard, free of I/O: members in, samples or invalid
 * records out. Consecutive members with one key form a sample; a member that cannot belong to
 * any sample (unsafe name, no extension) becomes an invalid record of its own, under a stand-in
 * key (`_invalid/000001`); anything wrong with a member of a sample makes the whole sample
 * invalid, keeping its readable parts so a rejects shard can hold them. A key that comes back
 * after other keys means the tar is not grouped (`tar -cf x.tar dir/` writes members in
 * directory order): that throws UngroupedShardError, so the caller can read the shard again
 * regrouped (tar-regroup.ts) instead of counting one sample as several.
 * Memory: one sample's parts plus the set of keys seen.
 */
import type { Sample } from '../../core/ops/sample';
import { splitMemberName, stripDotSlash, unsafePathReason } from './member-names';

export const TAR_REASONS = {
  /** The archive ends early (cut off, or an empty file); the last sample may be partial. */
  truncated: 'truncated',
  /** A header is not a tar header (bad checksum, not a tar, compressed). */
  corrupt: 'corrupt',
  unsafe_name: 'unsafe_name',
  /** Symlink, hard link, device or fifo. */
  not_a_file: 'not_a_file',
  no_extension: 'no_extension',
  /** One extension came twice in a sample, or a key equal to a stand-in key given earlier. */
  duplicate_key: 'duplicate_key',
  member_too_large: 'member_too_large',
  too_many_members: 'too_many_members',
} as const;
export type TarReason = (typeof TAR_REASONS)[keyof typeof TAR_REASONS];

export type ShardRecord =
  | { readonly kind: 'sample'; readonly sample: Sample }
  | {
      readonly kind: 'invalid';
      /** Always a writable key, unique in the shard, so the record can go to a rejects shard. */
      readonly key: string;
      /** The name or key found in the tar, when it could not serve as `key` (unsafe, reused). */
      readonly rawKey?: string;
      readonly reason: TarReason;
      readonly detail: string;
      readonly parts: Record<string, Buffer>;
    };

export interface MemberHeader {
  readonly name: string;
  readonly type?: string | null;
  readonly size?: number;
}

export interface SampleLimits {
  readonly maxMemberBytes: number;
  readonly maxMembersPerSample: number;
}

/** Keys given to invalid records whose own key cannot be used: `_invalid/000001` … */
export const INVALID_KEY_PREFIX = '_invalid/';

const FILE_TYPES = new Set(['file', 'contiguous-file']);

/** How to repack a shard so that each sample's members are consecutive. */
export const REPACK_HINT =
  'repack it with members grouped by key: `tar --sort=name -cf shard.tar -C <folder> .` or `vlmflow pack <folder> --out <dir>`';

/** A key came back after other keys: the shard's members are not grouped by sample. */
export class UngroupedShardError extends Error {
  override readonly name = 'UngroupedShardError';
  constructor(readonly key: string) {
    super(`members of sample "${key}" are not consecutive in the tar; ${REPACK_HINT}`);
  }
}

class PendingSample {
  readonly parts: Record<string, Buffer> = {};
  readonly exts = new Set<string>();
  members = 0;
  problem: { reason: TarReason; detail: string } | undefined;

  /** `memberKey` groups the members; `key` is what the record carries (they differ for a reused key). */
  constructor(
    readonly memberKey: string,
    readonly key: string = memberKey,
  ) {}

  flag(reason: TarReason, detail: string, override = false): void {
    if (override || !this.problem) this.problem = { reason, detail };
  }

  toRecord(): ShardRecord {
    if (this.problem) {
      const rawKey = this.key === this.memberKey ? {} : { rawKey: this.memberKey };
      return { kind: 'invalid', key: this.key, ...rawKey, ...this.problem, parts: this.parts };
    }
    return { kind: 'sample', sample: { key: this.key, parts: this.parts } };
  }
}

export class SampleAssembler {
  private readonly seenKeys = new Set<string>();
  /** Stand-in keys handed out: a real key equal to one is renamed, not a sign of disorder. */
  private readonly standIns = new Set<string>();
  private pending: PendingSample | undefined;
  private pendingExt: string | undefined;
  private replacements = 0;

  constructor(private readonly limits: SampleLimits) {}

  /**
   * Starts a member. Returns the records completed by it and whether its bytes are wanted
   * (otherwise the caller drains them unread).
   */
  begin(header: MemberHeader): { emit: ShardRecord[]; keep: boolean } {
    this.pendingExt = undefined;
    const type = header.type ?? 'file';
    if (type === 'directory') return { emit: [], keep: false };
    const name = stripDotSlash(header.name);
    const unsafe = unsafePathReason(name);
    if (unsafe) {
      const detail = `${JSON.stringify(header.name)}: ${unsafe}`;
      return { emit: [this.standalone('unsafe_name', detail, header.name)], keep: false };
    }
    const notAFile = FILE_TYPES.has(type) ? undefined : `${name} is a ${type}, not a regular file`;
    const split = splitMemberName(name);
    if (!split.ok) {
      const record = notAFile
        ? this.standalone('not_a_file', notAFile, name)
        : this.standalone('no_extension', `${name}: ${split.why}`, name);
      return { emit: [record], keep: false };
    }

    const emit: ShardRecord[] = [];
    let sample = this.pending;
    if (sample?.memberKey !== split.key) {
      if (sample) emit.push(sample.toRecord());
      if (this.seenKeys.has(split.key) && !this.standIns.has(split.key)) {
        throw new UngroupedShardError(split.key);
      }
      if (this.seenKeys.has(split.key)) {
        sample = new PendingSample(split.key, this.replacementKey());
        sample.flag('duplicate_key', `key ${split.key} is a stand-in key given earlier`);
      } else {
        sample = new PendingSample(split.key);
        this.seenKeys.add(split.key);
      }
      this.pending = sample;
    }
    sample.members += 1;
    const { ext } = split;
    const size = header.size ?? 0;
    if (sample.members > this.limits.maxMembersPerSample) {
      sample.flag('too_many_members', `more than ${this.limits.maxMembersPerSample} members`);
    } else if (notAFile) {
      sample.flag('not_a_file', notAFile);
    } else if (sample.exts.has(ext)) {
      sample.flag('duplicate_key', `extension ${ext} appears twice in sample ${split.key}`);
    } else if (size > this.limits.maxMemberBytes) {
      sample.flag(
        'member_too_large',
        `${name} has ${size} bytes, the limit is ${this.limits.maxMemberBytes}`,
      );
    } else {
      this.pendingExt = ext;
    }
    sample.exts.add(ext);
    return { emit, keep: this.pendingExt !== undefined };
  }

  /** The bytes of the member begun last, when begin() wanted them. */
  finish(data: Buffer): void {
    if (this.pending && this.pendingExt !== undefined) this.pending.parts[this.pendingExt] = data;
    this.pendingExt = undefined;
  }

  /** End of a sound archive: the last sample. */
  end(): ShardRecord[] {
    const last = this.pending;
    this.pending = undefined;
    return last ? [last.toRecord()] : [];
  }

  /**
   * The archive broke. The pending sample may be missing members (a later one could have had
   * its key), so it becomes one invalid record with the failure; with none pending, a record
   * with a stand-in key reports the failure.
   */
  fail(reason: TarReason, detail: string): ShardRecord[] {
    const last = this.pending;
    this.pending = undefined;
    if (!last) return [this.standalone(reason, detail)];
    last.flag(reason, detail, true);
    return [last.toRecord()];
  }

  private standalone(reason: TarReason, detail: string, rawKey?: string): ShardRecord {
    const raw = rawKey === undefined ? {} : { rawKey };
    return { kind: 'invalid', key: this.replacementKey(), ...raw, reason, detail, parts: {} };
  }

  /**
   * A stand-in key for a record whose own key is unusable or taken. It is marked seen, so a
   * later member using it is itself a duplicate: keys stay unique within the shard.
   */
  private replacementKey(): string {
    let key: string;
    do {
      this.replacements += 1;
      key = `${INVALID_KEY_PREFIX}${String(this.replacements).padStart(6, '0')}`;
    } while (this.seenKeys.has(key));
    this.seenKeys.add(key);
    this.standIns.add(key);
    return key;
  }
}
