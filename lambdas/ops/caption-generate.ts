/** captionGenerate's implementation; declared (kind, arguments, reasons) in core/ops/caption-generate.ts. */
import { provenanceOf } from '../models/provenance';
import { captionIds, decodeCaption, loadCaptioner } from '../models/captioner';
import { PixelBuffers, preprocessImages } from '../models/image-batch';
import { documentOf } from './document';
import { implementOperator, type Outcome } from '../../core/ops/operator';
import { captionGenerate as declared } from '../../core/ops/caption-generate';
import { jsonObjectOf, textPart, withParts, type Sample } from '../../core/ops/sample';

type CaptionReason = (typeof declared.reasons)[number];

export const captionGenerate = implementOperator(declared, {
  async create(params) {
    const captioner = await loadCaptioner(params.model);
    const record = {
      ...(await provenanceOf(params.model, captioner.folder)),
      max_new_tokens: params.maxNewTokens,
      num_beams: params.numBeams,
    };
    const settings = { maxNewTokens: params.maxNewTokens, numBeams: params.numBeams };
    const buffers = new PixelBuffers();

    const withCaption = (
      sample: Sample,
      json: Record<string, unknown>,
      caption: string,
    ): Outcome<CaptionReason> => {
      if (caption === '') return { keep: false, reason: 'empty_caption' };
      const original = textPart(sample);
      const next: Record<string, unknown> = { ...json, caption_model: record };
      const parts: Record<string, Buffer> = {};
      if (params.policy === 'keep_both') next.synthetic_caption = caption;
      else {
        parts[original?.ext ?? 'txt'] = Buffer.from(caption, 'utf8');
        Object.assign(next, altTextFields(json, original?.bytes.toString('utf8')));
      }
      parts.json = Buffer.from(JSON.stringify(next));
      return { keep: true, sample: withParts(sample, parts) };
    };

    const processBatch = async (samples: readonly Sample[]): Promise<Outcome<CaptionReason>[]> => {
      const json = samples.map((s) => (documentOf(s) ? 'document' : jsonObjectOf(s)));
      const pending = samples.filter((_, i) => json[i] !== undefined && json[i] !== 'document');
      const images = await preprocessImages(captioner.preprocessor, pending, buffers);
      const ids =
        images.count > 0 ? await captionIds(captioner, images.pixels, images.count, settings) : [];
      buffers.give(images.pixels);
      let next = 0;
      return samples.map((sample, i): Outcome<CaptionReason> => {
        const meta = json[i];
        if (meta === 'document') return { keep: true, sample };
        if (meta === undefined) return { keep: false, reason: 'invalid_json' };
        const image = images.slots[next++]!;
        if (!('slot' in image)) return { keep: false, ...image };
        return withCaption(sample, meta, decodeCaption(captioner, ids[image.slot]!));
      });
    };
    return {
      batchSize: params.batchSize,
      process: async (sample) => (await processBatch([sample]))[0]!,
      processBatch,
    };
  },
});

/**
 * The json fields that keep the original text under policy 'replace'. A sample this operator
 * captioned before (json `caption_model`) keeps its `alt_text`: its text member is already a
 * synthetic caption. Otherwise the text member is the original and becomes `alt_text`; an
 * `alt_text` the source already had (a web crawl's own field) is kept as `source_alt_text`
 * when it differs, so no original text is lost.
 */
export function altTextFields(
  json: Readonly<Record<string, unknown>>,
  originalText: string | undefined,
): Record<string, unknown> {
  if (json.caption_model !== undefined && typeof json.alt_text === 'string') return {};
  if (originalText === undefined) return {};
  const fields: Record<string, unknown> = { alt_text: originalText };
  if (json.alt_text !== undefined && json.alt_text !== originalText)
    fields.source_alt_text = json.alt_text;
  return fields;
}
