/** modelClipScore's implementation; declared (kind, arguments, reasons) in core/ops/model-clip-score.ts. */
import { cosine, embedImages, embedTexts, loadClip, type Clip } from '../models/clip';
import { PixelBuffers, preprocessImages } from '../models/image-batch';
import { provenanceOf } from '../models/provenance';
import { implementOperator, type OperatorInstance, type Outcome } from '../../core/ops/operator';
import { modelClipScore as declared } from '../../core/ops/model-clip-score';
import { jsonObjectOf, withParts, type Sample } from '../../core/ops/sample';
import { documentOf, documentImages, type RemovedImage } from './document';
import { readText } from './text-read';

type Reason = (typeof declared.reasons)[number];
const OP = 'model.clip_score';

export const modelClipScore = implementOperator(declared, {
  async create(params) {
    const clip = await loadClip(params.model);
    const provenance = await provenanceOf(params.model, clip.folder);
    const buffers = new PixelBuffers();
    const judge = (score: number): { reason: Reason; detail: string } | undefined =>
      score < params.minScore
        ? { reason: 'low_similarity', detail: `${round6(score)} < ${params.minScore}` }
        : undefined;

    /** Pairs: one image and one caption each, scored in one batch per tower. */
    const pairs = async (samples: readonly Sample[]): Promise<Outcome<Reason>[]> => {
      const checked = samples.map((sample): Outcome<Reason> | ReadPair => {
        const json = jsonObjectOf(sample);
        if (!json) return { keep: false, reason: 'invalid_json' };
        const text = readText(sample);
        if (!text.ok)
          return text.reason === 'missing'
            ? { keep: false, reason: 'missing_text' }
            : { keep: false, reason: text.reason, detail: text.detail };
        return { sample, text: text.text, json };
      });
      const open = checked.filter((c): c is ReadPair => !('keep' in c));
      const scores = await scorePairs(clip, buffers, open, params.batchSize);
      let next = 0;
      return checked.map((read) => {
        if ('keep' in read) return read;
        const { sample } = read;
        const score = scores[next++]!;
        if (typeof score !== 'number') return { keep: false, ...score };
        const stats = { score };
        const rejected = judge(score);
        if (rejected) return { keep: false, ...rejected, stats };
        const json = { ...read.json, [`${params.field}_model`]: provenance };
        return {
          keep: true,
          sample: withParts(sample, { json: Buffer.from(JSON.stringify(json)) }),
          stats,
        };
      });
    };

    const document = async (sample: Sample): Promise<Outcome<Reason>> => {
      const doc = documentOf(sample)!;
      const members = documentImages(sample);
      const nearest = members.map((image) => nearestText(doc.texts, image.position));
      const scored = members.map((image, k) => ({ image, text: nearest[k] }));
      const withText = scored.filter((s): s is typeof s & { text: string } => s.text !== undefined);
      const scores = await scorePairs(
        clip,
        buffers,
        withText.map((s) => ({
          sample: { key: s.image.member, parts: { [s.image.ext]: sample.parts[s.image.member]! } },
          text: s.text,
        })),
        params.batchSize,
      );
      let next = 0;
      const parts: Record<string, Buffer> = { ...sample.parts };
      const list: (number | null)[] = doc.images.map(() => null);
      const kept = [...doc.images];
      const removed: RemovedImage[] = [...(doc.removed_images ?? [])];
      for (const { image, text } of scored) {
        // withText keeps scored's order, so its scores come in the same order.
        const score = text === undefined ? undefined : scores[next++];
        const verdict =
          score === undefined
            ? { reason: 'missing_text' as const }
            : typeof score === 'number'
              ? judge(score)
              : score;
        if (typeof score === 'number') list[image.position] = score;
        if (!verdict) continue;
        delete parts[image.member];
        kept[image.position] = null;
        removed.push({ position: image.position, op: OP, ...verdict });
      }
      const json = {
        ...doc,
        images: kept,
        ...(removed.length > 0 ? { removed_images: removed } : {}),
        [`${params.field}_model`]: provenance,
      };
      parts.json = Buffer.from(JSON.stringify(json));
      return { keep: true, sample: { key: sample.key, parts }, stats: { score: list } };
    };

    const instance: OperatorInstance<Reason> = {
      batchSize: params.batchSize,
      process: async (sample) =>
        documentOf(sample) ? document(sample) : (await pairs([sample]))[0]!,
      async processBatch(samples) {
        const outcomes = new Array<Outcome<Reason>>(samples.length);
        const pairIndices = samples.flatMap((s, i) => (documentOf(s) ? [] : [i]));
        const pairOutcomes = await pairs(pairIndices.map((i) => samples[i]!));
        pairIndices.forEach((index, k) => (outcomes[index] = pairOutcomes[k]!));
        for (const [i, sample] of samples.entries())
          if (!outcomes[i]) outcomes[i] = await document(sample);
        return outcomes;
      },
    };
    return instance;
  },
});

/** A sample holding one image, and the text it is scored against. */
interface TextPair {
  readonly sample: Sample;
  readonly text: string;
}

/** A pair sample whose json and caption were read once, before scoring. */
interface ReadPair extends TextPair {
  readonly json: Record<string, unknown>;
}

/**
 * CLIP scores of image–text pairs, in order: a number, or why the image could not be scored.
 * Images and texts each go through their tower in batches.
 */
async function scorePairs(
  clip: Clip,
  buffers: PixelBuffers,
  pairs: readonly TextPair[],
  batchSize: number,
): Promise<(number | { reason: 'no_image' | 'undecodable'; detail?: string })[]> {
  const out: (number | { reason: 'no_image' | 'undecodable'; detail?: string })[] = [];
  for (let from = 0; from < pairs.length; from += batchSize) {
    const chunk = pairs.slice(from, from + batchSize);
    const images = await preprocessImages(
      clip.preprocessor,
      chunk.map((pair) => pair.sample),
      buffers,
    );
    const imageEmbeds = await embedImages(clip, images.pixels, images.count);
    buffers.give(images.pixels);
    const texts = chunk.filter((_, i) => 'slot' in images.slots[i]!).map((pair) => pair.text);
    const textEmbeds = await embedTexts(clip, texts);
    let next = 0;
    for (const slot of images.slots) {
      if (!('slot' in slot)) out.push(slot);
      else {
        out.push(cosine(imageEmbeds[slot.slot]!, textEmbeds[next]!));
        next++;
      }
    }
  }
  return out;
}

/** The text paragraph nearest to `position` (a tie: the one before); undefined when none. */
export function nearestText(
  texts: readonly (string | null)[],
  position: number,
): string | undefined {
  for (let distance = 1; distance < texts.length; distance++) {
    const before = texts[position - distance];
    if (typeof before === 'string' && before.trim() !== '') return before;
    const after = texts[position + distance];
    if (typeof after === 'string' && after.trim() !== '') return after;
  }
  return undefined;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
