/** imageDecode's implementation; declared (kind, arguments, reasons) in core/ops/image-decode.ts. */
import { readImageHeader, sniffFormat } from './image-header';
import { endsEarly, settleDecode } from './image-settle';
import { forEachImage } from './document';
import { implementOperator } from '../../core/ops/operator';
import { imageDecode as declared } from '../../core/ops/image-decode';
import { imagePart, type ImageFacts } from '../../core/ops/sample';

export const imageDecode = implementOperator(declared, {
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
