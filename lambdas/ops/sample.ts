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
  return { key: sample.key, parts: next, image: image ?? sample.image };
}
