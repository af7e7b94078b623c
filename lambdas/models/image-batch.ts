/**
 * The images of a batch of samples as one model input: each sample's first image member is
 * decoded and preprocessed (concurrently: sharp works on its own threads) into consecutive
 * slots of one CHW float32 buffer; a sample without an image, or whose image will not decode,
 * gets no slot and a reject reason instead.
 */
import { imagePart, type Sample } from '../ops/sample';
import { UndecodableImageError, type Preprocessor } from './preprocess';

export type ImageSlot =
  | { readonly slot: number }
  | { readonly reason: 'no_image' | 'undecodable'; readonly detail?: string };

export interface ImageBatch {
  readonly pixels: Float32Array;
  /** Slots filled: the model's batch dimension. */
  readonly count: number;
  /** Per sample, in order: its slot in `pixels`, or why it has none. */
  readonly slots: readonly ImageSlot[];
}

export async function preprocessImages(
  preprocessor: Preprocessor,
  samples: readonly Sample[],
): Promise<ImageBatch> {
  const parts = samples.map((sample) => imagePart(sample));
  const staging = new Float32Array(samples.length * preprocessor.imageLength);
  const decoded = await Promise.all(
    parts.map(async (part, i): Promise<ImageSlot> => {
      if (!part || part.bytes.length === 0) return { reason: 'no_image' };
      try {
        await preprocessor.into(part.bytes, staging, i * preprocessor.imageLength);
        return { slot: i };
      } catch (error) {
        if (error instanceof UndecodableImageError)
          return { reason: 'undecodable', detail: error.message };
        throw error;
      }
    }),
  );
  // Compact the decoded images to the front, keeping their order.
  let count = 0;
  const slots = decoded.map((entry): ImageSlot => {
    if (!('slot' in entry)) return entry;
    const from = entry.slot * preprocessor.imageLength;
    if (entry.slot !== count)
      staging.copyWithin(count * preprocessor.imageLength, from, from + preprocessor.imageLength);
    return { slot: count++ };
  });
  return { pixels: staging, count, slots };
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
