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
import { IMAGE_FORMATS, readImageHeader, sniffFormat } from './image-header';
import { endsEarly, settleDecode } from './image-settle';
import { forEachImage } from './document';
import { defineOperator } from '../../core/ops/operator';
import { imagePart, type ImageFacts } from '../../core/ops/sample';

/** How hard to look: 'header' reads dimensions only; 'decode' decodes pixels. */
export const VERIFY_MODES = ['decode', 'header'] as const;
/** sharp's `failOn` levels, least to most strict; each implies the ones before it. */
export const FAIL_ON_LEVELS = ['truncated', 'error', 'warning'] as const;
export const ANIMATED_POLICIES = ['first_frame', 'reject'] as const;

export const imageDecode = defineOperator({
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
  create(params) {
    const allowed: ReadonlySet<string> = new Set(params.formats);
    return forEachImage('image.decode', {
      // Stateless: the shard loop may run it on several samples at once (handlers/in-flight.ts).
      concurrent: true,
      async process(sample) {
        const part = imagePart(sample);
        if (!part) return { keep: false, reason: 'missing' };
        if (part.bytes.length === 0) return { keep: false, reason: 'empty', detail: part.ext };

        const header = await readImageHeader(part.bytes);
        if (!header) {
          // Unreadable: a damaged image if its magic bytes name a format, else not an image.
          const claimed = sniffFormat(part.bytes);
          if (!claimed) return { keep: false, reason: 'not_an_image', detail: part.ext };
          const reason = endsEarly(claimed, part.bytes) ? 'truncated' : 'corrupt';
          return { keep: false, reason, detail: `unreadable ${claimed} header` };
        }
        if (!allowed.has(header.format))
          return { keep: false, reason: 'format_not_allowed', detail: header.format };
        // Checked on the header, before any pixel is decoded: a bomb declares its size honestly.
        if (header.width * header.height > params.maxPixels) {
          const detail = `${header.width}x${header.height}`;
          return { keep: false, reason: 'too_many_pixels', detail };
        }
        if (header.pages > 1 && params.animated === 'reject')
          return { keep: false, reason: 'animated', detail: `${header.pages} frames` };

        const image: ImageFacts = {
          ext: part.ext,
          format: header.format,
          width: header.width,
          height: header.height,
        };
        const normalize =
          params.normalize &&
          (header.needsSrgb ||
            header.rotated ||
            header.pages > 1 ||
            (params.stripMetadata && header.hasMetadata));
        if (params.verify === 'header' && !normalize)
          return { keep: true, sample: { ...sample, image } };
        const work = { ...params, verify: params.verify === 'decode', normalize };
        return {
          keep: true,
          sample: {
            ...sample,
            image,
            deferred: {
              op: 'image.decode',
              failOn: params.failOn,
              settle: (current) => settleDecode(current, part, header, work),
            },
          },
        };
      },
    });
  },
});
