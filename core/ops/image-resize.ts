/**
 * image.resize: shrink (never enlarge) the image, apply its EXIF orientation, drop its metadata
 * and re-encode it. Defaults follow Idefics2 (Laurençon et al., 2024): longest edge 980 px,
 * shortest edge 378 px, the longest edge capping the shortest.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const RESIZE_MODES = ['longest_edge', 'shortest_edge', 'fit_box'] as const;
export const OUTPUT_FORMATS = { jpeg: 'jpg', webp: 'webp', png: 'png' } as const;
type OutputFormat = keyof typeof OUTPUT_FORMATS;

export const imageResize = declareOperator({
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
});
