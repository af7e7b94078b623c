/**
 * The images of a batch of samples as one model input: each sample's first image member is
 * decoded and preprocessed (concurrently: sharp works on its own threads) into consecutive
 * slots of one CHW float32 buffer; a sample without an image, or whose image will not decode,
 * gets no slot and a reject reason instead.
 */
import { imagePart, type Sample } from '../../core/ops/sample';
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

/**
 * Pixel buffers an operator instance reuses from batch to batch: a batch of 16 images at
 * 224 px is a 9.6 MB Float32Array, and allocating (zeroing) and collecting one per batch
 * showed in the profile. Every slot a batch uses is fully overwritten, so stale values from an
 * earlier batch are never read. Concurrent batches each take their own buffer.
 */
export class PixelBuffers {
  private readonly free: Float32Array[] = [];

  /** A buffer of exactly `length` floats (a view on a reused one when one is large enough). */
  take(length: number): Float32Array {
    const at = this.free.findIndex((buffer) => buffer.length >= length);
    if (at < 0) return new Float32Array(length);
    return this.free.splice(at, 1)[0]!.subarray(0, length);
  }

  /** Hands a buffer from take() back once the model has run on it. */
  give(buffer: Float32Array): void {
    this.free.push(new Float32Array(buffer.buffer, 0, buffer.buffer.byteLength / 4));
    if (this.free.length > 2) this.free.shift();
  }
}

export async function preprocessImages(
  preprocessor: Preprocessor,
  samples: readonly Sample[],
  buffers?: PixelBuffers,
): Promise<ImageBatch> {
  const parts = samples.map((sample) => imagePart(sample));
  const length = samples.length * preprocessor.imageLength;
  const staging = buffers ? buffers.take(length) : new Float32Array(length);
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
