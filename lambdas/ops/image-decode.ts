/**
 * image.decode: the image member is a real, complete picture in an allowed format, and not a
 * decompression bomb. Attaches `sample.image` so later operators need not read the header again.
 */
import sharp from 'sharp';
import { z } from 'zod';
import { defineOperator } from './operator';
import { imagePart, type ImageFacts } from './sample';
import { IMAGE_FORMATS, readImageHeader } from './image-header';

/** How hard to look: 'header' reads dimensions only; 'decode' decodes pixels (at a reduced scale). */
export const VERIFY_MODES = ['decode', 'header'] as const;
/** sharp's `failOn` levels, least to most strict; each implies the ones before it. */
export const FAIL_ON_LEVELS = ['truncated', 'error', 'warning'] as const;

/** Side of the box the verification decode shrinks to: JPEG and WebP then decode at 1/8 scale. */
const VERIFY_BOX = 64;

export const imageDecode = defineOperator({
  kind: 'image.decode',
  fn: 'curate',
  description:
    'Reject samples whose image is missing, empty, not an image, of a format not allowed, too large to decode safely, or corrupt',
  params: z.strictObject({
    formats: z.array(z.enum(IMAGE_FORMATS)).min(1).default(['jpeg', 'png', 'webp']),
    /** Same default as Pillow's Image.MAX_IMAGE_PIXELS (its DecompressionBombWarning threshold). */
    maxPixels: z.number().int().positive().default(89_478_485),
    verify: z.enum(VERIFY_MODES).default('decode'),
    failOn: z.enum(FAIL_ON_LEVELS).default('error'),
  }),
  reasons: ['missing', 'empty', 'not_an_image', 'format_not_allowed', 'too_many_pixels', 'corrupt'],
  create(params) {
    const allowed: ReadonlySet<string> = new Set(params.formats);
    return {
      async process(sample) {
        const part = imagePart(sample);
        if (!part) return { keep: false, reason: 'missing' };
        if (part.bytes.length === 0) return { keep: false, reason: 'empty', detail: part.ext };

        const header = await readImageHeader(part.bytes);
        if (!header) return { keep: false, reason: 'not_an_image', detail: part.ext };
        if (!allowed.has(header.format))
          return { keep: false, reason: 'format_not_allowed', detail: header.format };
        // Checked on the header, before any pixel is decoded: a bomb declares its size honestly.
        const pixels = header.width * header.height;
        if (pixels > params.maxPixels) {
          return {
            keep: false,
            reason: 'too_many_pixels',
            detail: `${header.width}x${header.height}`,
          };
        }

        if (params.verify === 'decode') {
          try {
            await sharp(part.bytes, { failOn: params.failOn, limitInputPixels: params.maxPixels })
              .resize(VERIFY_BOX, VERIFY_BOX, { fit: 'inside', withoutEnlargement: true })
              .raw()
              .toBuffer();
          } catch (error) {
            return { keep: false, reason: 'corrupt', detail: firstLine(error) };
          }
        }

        const image: ImageFacts = {
          ext: part.ext,
          format: header.format,
          width: header.width,
          height: header.height,
        };
        return { keep: true, sample: { ...sample, image } };
      },
    };
  },
});

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
