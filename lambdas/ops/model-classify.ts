/** modelClassify's implementation; declared (kind, arguments, reasons) in core/ops/model-classify.ts. */
import { provenanceOf, type ModelProvenance } from '../models/provenance';
import { classifyPixels, loadClassifier, type Classifier } from '../models/classifier';
import { PixelBuffers, preprocessImages } from '../models/image-batch';
import { documentOf, forEachImage } from './document';
import { implementOperator, type OperatorInstance, type Outcome } from '../../core/ops/operator';
import { modelClassify as declared } from '../../core/ops/model-classify';
import { jsonObjectOf, withParts, type Sample } from '../../core/ops/sample';

export const modelClassify = implementOperator(declared, {
  async create(params) {
    const classifier = await loadClassifier(params.model);
    const unknown = Object.keys(params.thresholds).filter((l) => !classifier.labels.includes(l));
    if (unknown.length > 0)
      throw new Error(
        `thresholds name ${unknown.join(', ')}, not labels of model ${params.model} (labels: ${classifier.labels.join(', ')})`,
      );
    const provenance = await provenanceOf(params.model, classifier.folder);
    const judge = judgeWith(classifier, params.thresholds, params.field, provenance);
    const buffers = new PixelBuffers();
    const pairs = async (samples: readonly Sample[]): Promise<Outcome<string>[]> => {
      const json = samples.map(jsonObjectOf);
      const valid = samples.filter((_, i) => json[i] !== undefined);
      const images = await preprocessImages(classifier.preprocessor, valid, buffers);
      const scores =
        images.count > 0 ? await classifyPixels(classifier, images.pixels, images.count) : [];
      buffers.give(images.pixels);
      let next = 0;
      return samples.map((sample, i): Outcome<string> => {
        if (json[i] === undefined) return { keep: false, reason: 'invalid_json' };
        const image = images.slots[next++]!;
        if (!('slot' in image)) return { keep: false, ...image };
        return judge(sample, json[i], scores[image.slot]!);
      });
    };
    const perImage = forEachImage<string>('model.classify', {
      process: async (sample) => (await pairs([sample]))[0]!,
    });
    const instance: OperatorInstance<string> = {
      batchSize: params.batchSize,
      process: (sample) => perImage.process(sample),
      async processBatch(samples) {
        const outcomes: Outcome<string>[] = new Array<Outcome<string>>(samples.length);
        const pairIndices = samples.flatMap((s, i) => (documentOf(s) ? [] : [i]));
        const pairOutcomes = await pairs(pairIndices.map((i) => samples[i]!));
        pairIndices.forEach((index, k) => (outcomes[index] = pairOutcomes[k]!));
        for (const [i, sample] of samples.entries())
          if (!outcomes[i]) outcomes[i] = await perImage.process(sample);
        return outcomes;
      },
    };
    return instance;
  },
});

function judgeWith(
  classifier: Classifier,
  thresholds: Readonly<Record<string, number>>,
  field: string,
  provenance: ModelProvenance,
): (sample: Sample, json: Record<string, unknown>, scores: readonly number[]) => Outcome<string> {
  return (sample, json, scores) => {
    const stats = { scores: Object.fromEntries(classifier.labels.map((l, i) => [l, scores[i]!])) };
    let flagged: { label: string; score: number; threshold: number } | undefined;
    classifier.labels.forEach((label, i) => {
      const threshold = thresholds[label];
      const score = scores[i]!;
      if (threshold !== undefined && score > threshold && (!flagged || score > flagged.score))
        flagged = { label, score, threshold };
    });
    if (flagged)
      return {
        keep: false,
        reason: flagged.label,
        detail: `${flagged.label} ${round6(flagged.score)} > ${flagged.threshold}`,
        stats,
      };
    const out = { ...json, [`${field}_model`]: provenance };
    return {
      keep: true,
      sample: withParts(sample, { json: Buffer.from(JSON.stringify(out)) }),
      stats,
    };
  };
}

/** Scores to 6 decimals: enough to threshold, stable bytes across runs. */
function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
