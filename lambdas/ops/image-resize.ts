/**
 * image.resize: shrink (never enlarge) the image, apply its EXIF orientation, drop its metadata
 * and re-encode it. Defaults follow Idefics2 (Laurençon et al., 2024): longest edge 980 px,
 * shortest edge 378 px, the longest edge capping the shortest.
 */
import sharp from 'sharp';
import { z } from 'zod';
import { readImageHeader } from './image-header';
import { defineOperator } from '../../core/ops/operator';
import { forEachImage } from './document';
import { imagePart, type ImageFacts, type Sample } from '../../core/ops/sample';

export const RESIZE_MODES = ['longest_edge', 'shortest_edge', 'fit_box'] as const;
export const OUTPUT_FORMATS = { jpeg: 'jpg', webp: 'webp', png: 'png' } as const;
type OutputFormat = keyof typeof OUTPUT_FORMATS;

export const imageResize = defineOperator({
  kind: 'image.resize',
  fn: 'curate',
  description: 'Shrink images to a size limit, auto-orient, strip metadata and re-encode',
  params: z
    .strictObject({
      mode: z.enum(RESIZE_MODES).default('longest_edge'),
      /** Cap on the longer side in every mode but fit_box (Idefics2: 980). */
      longestEdge: z.number().int().positive().default(980),
      /** Target shorter side in shortest_edge mode (Idefics2: 378). */
      shortestEdge: z.number().int().positive().default(378),
      /** The box for fit_box mode. */
      width: z.number().int().positive().optional(),
      height: z.number().int().positive().optional(),
      format: z
        .enum(Object.keys(OUTPUT_FORMATS) as [OutputFormat, ...OutputFormat[]])
        .default('jpeg'),
      quality: z.number().int().min(1).max(100).default(90),
    })
    .refine((p) => p.mode !== 'fit_box' || p.width !== undefined, {
      path: ['width'],
      message: 'required in fit_box mode',
    })
    .refine((p) => p.mode !== 'fit_box' || p.height !== undefined, {
      path: ['height'],
      message: 'required in fit_box mode',
    }),
  reasons: ['missing', 'corrupt'],
  create(params) {
    /** The scale (<= 1) that brings a displayed `width`×`height` within the limits. */
    const scaleFor = (width: number, height: number): number => {
      const longer = Math.max(width, height);
      const shorter = Math.min(width, height);
      switch (params.mode) {
        case 'longest_edge':
          return Math.min(1, params.longestEdge / longer);
        case 'shortest_edge':
          return Math.min(1, params.shortestEdge / shorter, params.longestEdge / longer);
        case 'fit_box':
          return Math.min(1, (params.width ?? width) / width, (params.height ?? height) / height);
      }
    };
    const ext = OUTPUT_FORMATS[params.format];

    return forEachImage('image.resize', {
      // Stateless: the shard loop may run it on several samples at once (handlers/in-flight.ts).
      concurrent: true,
      async process(sample) {
        const part = imagePart(sample);
        if (!part) return { keep: false, reason: 'missing' };
        const size = sample.image ?? (await readImageHeader(part.bytes));
        if (!size) return { keep: false, reason: 'corrupt', detail: 'unreadable header' };

        const scale = scaleFor(size.width, size.height);
        const width = Math.max(1, Math.round(size.width * scale));
        const height = Math.max(1, Math.round(size.height * scale));
        let bytes: Buffer;
        try {
          // rotate() before resize(): the target size is the displayed one. With explicit
          // width and height sharp still shrinks JPEG and WebP on load. Decoding as strictly as
          // image.decode's deferred verification would, this full decode does that work too.
          const failOn = sample.deferred?.failOn ?? 'warning';
          let image = sharp(part.bytes, { failOn })
            .rotate()
            .resize(width, height, { fit: 'fill' })
            .toColourspace('srgb');
          if (params.format === 'jpeg')
            image = image.flatten({ background: '#ffffff' }).jpeg({ quality: params.quality });
          else if (params.format === 'webp') image = image.webp({ quality: params.quality });
          else image = image.png();
          bytes = await image.toBuffer();
        } catch (error) {
          return {
            keep: false,
            reason: 'corrupt',
            detail: error instanceof Error ? error.message.split('\n')[0] : String(error),
          };
        }

        const image: ImageFacts = { ext, format: params.format, width, height };
        // Re-encoded upright, 8-bit sRGB, first frame, no metadata: decode's deferred work is done.
        const parts: Record<string, Buffer> = { ...sample.parts };
        delete parts[part.ext];
        parts[ext] = bytes;
        const resized: Sample = { key: sample.key, parts, image };
        return { keep: true, sample: resized };
      },
    });
  },
});
