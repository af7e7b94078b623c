/** imageResize's implementation; declared (kind, arguments, reasons) in core/ops/image-resize.ts. */
import sharp from 'sharp';
import { readImageHeader } from './image-header';
import { implementOperator } from '../../core/ops/operator';
import { imageResize as declared, OUTPUT_FORMATS } from '../../core/ops/image-resize';
import { forEachImage } from './document';
import { imagePart, type DecodedPixels, type ImageFacts, type Sample } from '../../core/ops/sample';

export const imageResize = implementOperator(declared, {
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
        let decoded: DecodedPixels;
        try {
          // rotate() before resize(): the target size is the displayed one. With explicit
          // width and height sharp still shrinks JPEG and WebP on load. Decoding as strictly as
          // image.decode's deferred verification would, this full decode does that work too.
          // The resized pixels are kept (Sample.decoded): later pixel operators (image.blur,
          // image.low_information) read them instead of decoding the re-encoded image.
          const failOn = sample.deferred?.failOn ?? 'warning';
          const { data, info } = await sharp(part.bytes, { failOn })
            .rotate()
            .resize(width, height, { fit: 'fill' })
            .toColourspace('srgb')
            .raw()
            .toBuffer({ resolveWithObject: true });
          decoded = { width: info.width, height: info.height, channels: info.channels, data };
          let image = sharp(data, { raw: { width, height, channels: info.channels } });
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
        const resized: Sample = { key: sample.key, parts, image, decoded };
        return { keep: true, sample: resized };
      },
    });
  },
});
