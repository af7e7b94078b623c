/**
 * Reading a tar whose members are not grouped by key (`tar -cf x.tar dir/` writes them in
 * directory order): every wanted member is held, then replayed grouped by key (in the order
 * keys first appear) through the ordinary SampleAssembler, so the grouping rules and reasons
 * are the same as for a grouped shard. Held bytes are capped: past the cap the shard fails with
 * a message saying how to repack it, rather than counting one sample as several.
 */
import {
  REPACK_HINT,
  SampleAssembler,
  type MemberHeader,
  type SampleLimits,
  type ShardRecord,
  type TarReason,
} from './sample-assembler';
import { splitMemberName, stripDotSlash, unsafePathReason } from './member-names';

/** Half the Lambda's memory (the rest is the runtime, the operators and the output buffers). */
export function defaultRegroupBytes(env: NodeJS.ProcessEnv = process.env): number {
  const lambdaMiB = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const MiB = 1024 * 1024;
  return Number.isFinite(lambdaMiB) && lambdaMiB > 0 ? Math.floor(lambdaMiB / 2) * MiB : 1024 * MiB;
}

export class RegroupTooLargeError extends Error {
  override readonly name = 'RegroupTooLargeError';
}

interface HeldMember {
  readonly header: MemberHeader;
  data: Buffer;
}

const FILE_TYPES = new Set(['file', 'contiguous-file']);
const EMPTY = Buffer.alloc(0);

/** Same interface as SampleAssembler; records come out only at the end. */
export class RegroupingAssembler {
  private readonly members: HeldMember[] = [];
  private current: HeldMember | undefined;
  private heldBytes = 0;

  constructor(
    private readonly limits: SampleLimits,
    private readonly maxBytes: number,
  ) {}

  begin(header: MemberHeader): { emit: ShardRecord[]; keep: boolean } {
    const held: HeldMember = { header, data: EMPTY };
    this.members.push(held);
    const size = header.size ?? 0;
    const wanted = FILE_TYPES.has(header.type ?? 'file') && size <= this.limits.maxMemberBytes;
    this.current = wanted ? held : undefined;
    if (wanted) {
      this.heldBytes += size;
      if (this.heldBytes > this.maxBytes) {
        throw new RegroupTooLargeError(
          `the tar's members are not grouped by sample key and regrouping it needs more than ${this.maxBytes} bytes of memory; ${REPACK_HINT}`,
        );
      }
    }
    return { emit: [], keep: wanted };
  }

  finish(data: Buffer): void {
    if (this.current) this.current.data = data;
    this.current = undefined;
  }

  end(): ShardRecord[] {
    return this.replay((assembler) => assembler.end());
  }

  /** A broken archive: the samples read so far, then one record for the failure. */
  fail(reason: TarReason, detail: string): ShardRecord[] {
    return this.replay((assembler) => [...assembler.end(), ...assembler.fail(reason, detail)]);
  }

  private replay(last: (assembler: SampleAssembler) => ShardRecord[]): ShardRecord[] {
    const assembler = new SampleAssembler(this.limits);
    const records: ShardRecord[] = [];
    for (const member of groupedByKey(this.members)) {
      const { emit, keep } = assembler.begin(member.header);
      records.push(...emit);
      if (keep) assembler.finish(member.data);
    }
    this.members.length = 0;
    records.push(...last(assembler));
    return records;
  }
}

/** Members reordered so each key's members are consecutive, keys in first-seen order. */
function groupedByKey(members: readonly HeldMember[]): HeldMember[] {
  const groups = new Map<string, HeldMember[]>();
  const ordered: HeldMember[][] = [];
  for (const member of members) {
    const key = groupKey(member.header.name);
    // Members that cannot be grouped (unsafe or extension-less names) stay where they were.
    if (key === undefined) {
      ordered.push([member]);
      continue;
    }
    let group = groups.get(key);
    if (!group) {
      group = [];
      groups.set(key, group);
      ordered.push(group);
    }
    group.push(member);
  }
  return ordered.flat();
}

function groupKey(name: string): string | undefined {
  const stripped = stripDotSlash(name);
  if (unsafePathReason(stripped)) return undefined;
  const split = splitMemberName(stripped);
  return split.ok ? split.key : undefined;
}
