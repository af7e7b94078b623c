/**
 * What the shard loop does with operators' measurements: fixed-bin histograms split into passed
 * and rejected with the run's thresholds, kept samples' json `vlmflow.stats` by operator label
 * (or left alone when the run opts out), document images as lists by position, histograms that
 * add across shards, and a clear error for a stat the declaration does not list.
 */
import { runShardLoop, type ChainLink } from '../../lambdas/handlers/shard-loop';
import { imageSize } from '../../lambdas/ops/image-size';
import { textLength } from '../../lambdas/ops/text-length';
import { byPosition } from '../../lambdas/ops/document';
import { addHistograms, binOf, binPosition, type StatHistogram } from '../../core/ops/stats';
import type { Sample } from '../../core/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';
import type { Operator } from '../../core/ops/operator';
import { ctx, sampleOf } from '../ops/helpers';

async function linkOf(operator: Operator, args: Record<string, unknown>, label = operator.kind) {
  const parsed = operator.params.parse(args) as Record<string, unknown>;
  return {
    op: operator.kind,
    instance: await operator.create(parsed, ctx),
    measures: { label, specs: operator.stats!, args: parsed },
  } satisfies ChainLink;
}

async function loop(samples: readonly Sample[], chain: readonly ChainLink[], statsInJson = true) {
  const kept: Sample[] = [];
  async function* records(): AsyncIterable<SourceRecord> {
    for (const sample of samples) yield { kind: 'sample', sample };
  }
  const result = await runShardLoop(
    records(),
    chain,
    { kept: { add: (s: Sample) => kept.push(s) }, rejected: { add: () => undefined } },
    { statsInJson },
  );
  return { result, kept };
}

const captions = ['a dog', 'a dog on a mat', 'two dogs on a red mat', 'x'];
const samples = captions.map((txt, i) => sampleOf({ txt, json: '{"url":"u"}' }, `s${i}`));
const find = (histograms: readonly StatHistogram[], stat: string) =>
  histograms.find((h) => h.stat === stat)!;

describe('measurements in the shard loop', () => {
  it('counts each stat into fixed bins, passed and rejected apart, with the run threshold', async () => {
    const { result } = await loop(samples, [await linkOf(textLength, { minWords: 3 })]);
    const words = find(result.histograms, 'words');
    expect(words).toMatchObject({ op: 'text.length', min: 0, max: 80 });
    expect(words.thresholds).toEqual([{ arg: 'minWords', value: 3, keeps: 'above' }]);
    const bins = { min: 0, max: 80, count: 80 };
    const at = (n: number) => binOf(n, bins);
    expect(words.kept[at(5)]).toBe(1);
    expect(words.kept[at(6)]).toBe(1);
    expect(words.rejected[at(2)]).toBe(1);
    expect(words.rejected[at(1)]).toBe(1);
    expect(words.kept.reduce((a, b) => a + b) + words.rejected.reduce((a, b) => a + b)).toBe(4);
  });

  it("writes kept samples' stats into json by operator label, unless the run opts out", async () => {
    const chain = [await linkOf(textLength, { minWords: 3 })];
    const { kept } = await loop(samples, chain);
    expect(kept.map((s) => JSON.parse(s.parts.json!.toString()))).toEqual([
      { url: 'u', vlmflow: { stats: { 'text.length': { words: 5, chars: 14 } } } },
      { url: 'u', vlmflow: { stats: { 'text.length': { words: 6, chars: 21 } } } },
    ]);
    const plain = await loop(samples, chain, false);
    expect(plain.kept.map((s) => s.parts.json!.toString())).toEqual(['{"url":"u"}', '{"url":"u"}']);
    expect(plain.result.histograms).toEqual((await loop(samples, chain)).result.histograms);
  });

  it('refuses a stat its declaration does not list, naming the operator', async () => {
    const link = await linkOf(textLength, {});
    const liar: ChainLink = {
      ...link,
      instance: { process: (sample) => ({ keep: true, sample, stats: { height: 3 } }) },
    };
    await expect(loop(samples, [liar])).rejects.toThrow(
      'operator text.length measured "height", which its declaration\'s stats do not list (words, chars)',
    );
  });

  it('keeps image.size thresholds per run value and each use under its own label', async () => {
    const a = await linkOf(imageSize, { minSide: 1, maxAspectRatio: 2 }, 'image.size');
    const b = await linkOf(imageSize, { minSide: 1 }, 'image.size#2');
    const image = {
      ...sampleOf({ txt: 'x' }),
      image: { ext: 'jpg', format: 'jpeg', width: 90, height: 30 },
    };
    const { result } = await loop([image], [b, a]);
    expect(find(result.histograms, 'aspect_ratio').thresholds).toEqual([
      { arg: 'maxAspectRatio', value: 3, keeps: 'below' },
    ]);
    expect(result.histograms.filter((h) => h.op === 'image.size')).toHaveLength(4);
  });

  it('adds shards bin by bin and refuses histograms of other bins', () => {
    const h: StatHistogram = {
      op: 'o',
      stat: 's',
      label: 's',
      min: 0,
      max: 1,
      kept: [1, 0],
      rejected: [0, 2],
    };
    expect(addHistograms(h, h)).toMatchObject({ kept: [2, 0], rejected: [0, 4] });
    expect(() => addHistograms(h, { ...h, max: 2 })).toThrow('different bins');
    // Thresholds are drawn between bins: 0.5 is the edge of bin 0 and bin 1.
    expect(binPosition(0.5, h)).toBeCloseTo(0.5, 9);
    expect(binPosition(-4, h)).toBe(-0.5);
  });

  it("lists a document's per-image measurements by position", () => {
    expect(
      byPosition(
        [
          { position: 1, stats: { laplacian_variance: 10, scores: { porn: 0.1 } } },
          { position: 3, stats: { laplacian_variance: 20, scores: { porn: 0.3 } } },
        ],
        4,
      ),
    ).toEqual({
      laplacian_variance: [null, 10, null, 20],
      scores: { porn: [null, 0.1, null, 0.3] },
    });
  });
});
