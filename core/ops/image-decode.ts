/**
 * image.decode: the image member is a real, complete picture in an allowed format, and not a
 * decompression bomb; CMYK and 16-bit pixels become 8-bit sRGB, the EXIF orientation is
 * applied, animated images keep their first frame (or are rejected), metadata is stripped.
 *
 * Header checks run at once. The pixel work (verification decode, normalisation) is deferred
 * (Sample.deferred): image.resize later in the chain decodes every image anyway and does it for
 * free; otherwise the shard loop runs it when the chain ends. Either way a failure is counted as
 * `image.decode:truncated` or `image.decode:corrupt`.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

/** Formats an allow-list can name: sharp's decoder names, with AVIF told apart from HEIC. */
export const IMAGE_FORMATS = [
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'avif',
  'heif',
  'jp2',
  'jxl',
  'svg',
] as const;

/** How hard to look: 'header' reads dimensions only; 'decode' decodes pixels. */
export const VERIFY_MODES = ['decode', 'header'] as const;
/** sharp's `failOn` levels, least to most strict; each implies the ones before it. */
export const FAIL_ON_LEVELS = ['truncated', 'error', 'warning'] as const;
export const ANIMATED_POLICIES = ['first_frame', 'reject'] as const;

export const imageDecode = declareOperator({
  kind: 'image.decode',
  fn: 'curate',
  description:
    'Reject missing, empty, non-image, disallowed, oversized, animated (optional), truncated or corrupt images; normalise to 8-bit sRGB, upright, no metadata',
  params: z.strictObject({
    formats: z.array(z.enum(IMAGE_FORMATS)).min(1).default(['jpeg', 'png', 'webp']),
    /** Same default as Pillow's Image.MAX_IMAGE_PIXELS (its DecompressionBombWarning threshold). */
    maxPixels: z.number().int().positive().default(89_478_485),
    verify: z.enum(VERIFY_MODES).default('decode'),
    failOn: z.enum(FAIL_ON_LEVELS).default('error'),
    animated: z.enum(ANIMATED_POLICIES).default('first_frame'),
    /** Re-encode images that are CMYK, 16-bit, EXIF-rotated, animated (or carry metadata). */
    normalize: z.boolean().default(true),
    stripMetadata: z.boolean().default(true),
    /** Quality of a lossy re-encode when normalising (JPEG, WebP, AVIF). */
    quality: z.number().int().min(1).max(100).default(95),
  }),
  reasons: [
    'missing',
    'empty',
    'not_an_image',
    'format_not_allowed',
    'too_many_pixels',
    'animated',
    'truncated',
    'corrupt',
  ],
});
