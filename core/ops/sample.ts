/**
 * A WebDataset sample: the tar members that share one key, indexed by extension
 * (`jpg`, `txt`, `json`, `seg.png` …). Operators never mutate a sample; a transform returns a
 * new one.
 */
export interface Sample {
  readonly key: string;
  readonly parts: Readonly<Record<string, Buffer>>;
  /** Facts an earlier operator in the fused chain already computed (saves a second decode). */
  readonly image?: ImageFacts;
  /**
   * The image's pixels as an earlier operator of the chain decoded them (image.resize: the
   * resized pixels it encoded the image member from), so later pixel operators need no decode.
   */
  readonly decoded?: DecodedPixels;
  /** A small grey copy of the image, computed once for the image-quality operators. */
  readonly grey?: GreyCopy;
  /**
   * Work an earlier operator put off because a later one in the fused chain may do it anyway
   * (image.decode's verification decode: image.resize decodes every image in full). The shard
   * loop settles it when the chain ends or a later operator rejects; it never leaves the chain.
   */
  readonly deferred?: DeferredWork;
}

/** sharp's `failOn` levels, least to most strict. */
export type DecodeStrictness = 'none' | 'truncated' | 'error' | 'warning';

export type SettledWork =
  | { readonly keep: true; readonly sample: Sample }
  | { readonly keep: false; readonly reason: string; readonly detail?: string };

export interface DeferredWork {
  /** The operator that deferred the work: a failure is counted as its reject. */
  readonly op: string;
  /**
   * A later operator that decodes the image in full with at least this strictness, and
   * re-encodes it auto-oriented, in 8-bit sRGB, without metadata, has done the work and drops it.
   */
  readonly failOn: DecodeStrictness;
  /** Does the work now: the sample with it done (no `deferred`), or the operator's reject. */
  settle(sample: Sample): Promise<SettledWork>;
}

/** 8-bit interleaved pixels, row by row (sharp's raw output). */
export interface DecodedPixels {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Buffer;
}

/** 8-bit grey pixels, row by row (width × height bytes). */
export interface GreyCopy {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

export interface ImageFacts {
  readonly ext: string;
  readonly format: string;
  readonly width: number;
  readonly height: number;
}

export const IMAGE_EXTENSIONS = [
  'jpg',
  'jpeg',
  'png',
  'webp',
  'gif',
  'tif',
  'tiff',
  'avif',
] as const;
export const TEXT_EXTENSIONS = ['txt', 'text', 'caption'] as const;

/** The first image member of a sample, by the order of IMAGE_EXTENSIONS. */
export function imagePart(sample: Sample): { ext: string; bytes: Buffer } | undefined {
  for (const ext of IMAGE_EXTENSIONS) {
    const bytes = sample.parts[ext];
    if (bytes) return { ext, bytes };
  }
  return undefined;
}

export function textPart(sample: Sample): { ext: string; bytes: Buffer } | undefined {
  for (const ext of TEXT_EXTENSIONS) {
    const bytes = sample.parts[ext];
    if (bytes) return { ext, bytes };
  }
  return undefined;
}

export function withParts(
  sample: Sample,
  parts: Record<string, Buffer | undefined>,
  image?: ImageFacts,
): Sample {
  const next: Record<string, Buffer> = { ...sample.parts };
  for (const [ext, bytes] of Object.entries(parts)) {
    if (bytes === undefined) delete next[ext];
    else next[ext] = bytes;
  }
  const facts = image ?? sample.image;
  // Decoded pixels and the grey copy describe the image member: they go when it is replaced.
  const sameImage = !IMAGE_EXTENSIONS.some((ext) => ext in parts);
  return {
    key: sample.key,
    parts: next,
    ...(facts ? { image: facts } : {}),
    ...(sample.decoded && sameImage ? { decoded: sample.decoded } : {}),
    ...(sample.grey && sameImage ? { grey: sample.grey } : {}),
    ...(sample.deferred ? { deferred: sample.deferred } : {}),
  };
}

/** The sample's json member as an object: {} without one, undefined when it is not an object. */
export function jsonObjectOf(sample: Sample): Record<string, unknown> | undefined {
  const bytes = sample.parts.json;
  if (!bytes) return {};
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
