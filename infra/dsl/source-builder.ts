import type { z } from 'zod';
import type { ArgsOf, OperatorDeclaration, OperatorUse } from '../../core/ops/operator';
import type { Arg, SourceFormat, SourceNode } from '../../core/ir';
import { DEFAULT_SOURCE_FORMAT, type FormatOptions } from '../../core/formats';
import { runDedup } from '../../core/dedup-spec';

/**
 * Deduplication across every shard of the run (docs/dedup.md). The stage is split here: what
 * comes before runs and is hashed in one Distributed Map, duplicates are resolved per hash
 * partition in a second, and a third drops them and runs the rest of the chain.
 */
export type RunDedupOptions =
  | {
      /** Same content hash (sha256 of the image bytes). */
      readonly mode: 'exact';
      /** Hash partitions, one resolve task each. @default 64 */
      readonly partitions?: Arg<number>;
    }
  | {
      /** 64-bit perceptual hashes within `maxDistance` bits. */
      readonly mode: 'phash';
      /** @default 4 */
      readonly maxDistance?: Arg<number>;
      /** Hash partitions per band (maxDistance + 1 bands), one resolve task each. @default 64 */
      readonly partitions?: Arg<number>;
    }
  | {
      /** Every sample whose URL (or image) occurs more than `maxOccurrences` times in the run (OBELICS). */
      readonly mode: 'frequency';
      /** `url`: json `url` or a `url` member; `image`: the image's content hash. @default 'url' */
      readonly key?: Arg<'url' | 'image'>;
      /** OBELICS: 10. @default 10 */
      readonly maxOccurrences?: Arg<number>;
      /** Hash partitions, one resolve task each. @default 64 */
      readonly partitions?: Arg<number>;
    }
  | {
      /** Near-duplicate texts (caption, or a document's paragraphs): MinHash LSH over word n-grams. */
      readonly mode: 'minhash';
      /** Words per shingle (datatrove). @default 5 */
      readonly ngram?: Arg<number>;
      /** LSH bands (datatrove's buckets). @default 14 */
      readonly bands?: Arg<number>;
      /** Hashes per band. @default 8 */
      readonly rows?: Arg<number>;
      /** Hash partitions per band, one resolve task each. @default 64 */
      readonly partitions?: Arg<number>;
    };

interface SourceState {
  readonly node: SourceNode;
  readonly operators: readonly OperatorDeclaration[];
}

/** Immutable: every call returns a new builder; the IR node is plain JSON. */
export class SourceBuilder {
  /** @internal */
  constructor(private readonly state: SourceState) {}

  /** Appends a per-sample operator; arguments are typed from its schema and may be parameters. */
  apply<K extends string, S extends z.ZodType, R extends string>(
    operator: OperatorDeclaration<K, S, R>,
    args: Partial<ArgsOf<S>> = {},
  ): SourceBuilder {
    const use: OperatorUse = {
      op: operator.kind,
      fn: operator.fn,
      args: { ...(args as Record<string, unknown>) },
    };
    return new SourceBuilder({
      node: { ...this.state.node, ops: [...this.state.node.ops, use] },
      operators: [...this.state.operators, operator as unknown as OperatorDeclaration],
    });
  }

  /**
   * Drops duplicates across the whole run, keeping the sample with the smallest (shard, key);
   * the others are rejected as `dedup.exact:duplicate`, `dedup.phash:near_duplicate` or
   * `dedup.minhash:near_duplicate_text`. Mode `frequency` keeps none of a too-frequent URL or
   * image: `dedup.frequency:frequent_url` / `frequent_image`.
   */
  dedup(options: RunDedupOptions): SourceBuilder {
    return this.apply(runDedup, options);
  }

  /** @internal Only non-default settings enter the IR, so existing graphs stay the same JSON. */
  withFormat(format: SourceFormat, options: FormatOptions): SourceBuilder {
    const node: SourceNode = {
      ...this.state.node,
      ...(format === DEFAULT_SOURCE_FORMAT ? {} : { format }),
      ...options,
    };
    // Keep `ops` last, as in nodes built before formats existed.
    const { ops: uses, ...rest } = node;
    return new SourceBuilder({ ...this.state, node: { ...rest, ops: uses } });
  }

  /** @internal */
  build(): SourceState {
    return this.state;
  }
}

export function sourceBuilder(name: string, uri: string, pattern: string): SourceBuilder {
  return new SourceBuilder({
    node: { kind: 'source', name, uri, pattern, ops: [] },
    operators: [],
  });
}
