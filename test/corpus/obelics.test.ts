/**
 * Interleaved documents through the real curate handler with the obelics pipeline: image
 * operators act per image (a rejected image is removed with its reason, the document kept),
 * document rules decide when a document goes; in = kept + Σ rejected.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ShardStats } from '../../core/contracts';
import { handler } from '../../lambdas/handlers/curate';
import { resolveParams } from '../../core/params';
import type { DocumentJson } from '../../lambdas/ops/document';
import type { Sample } from '../../core/ops/sample';
import { readShard } from '../../lambdas/shards/tar-reader';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFileUri } from '../../core/uri';
import { segmentsOf } from '../../infra/compiler';
import obelics from '../../pipelines/obelics';
import { RUN_DEDUP_KIND } from '../../core/dedup-spec';
import { photo, truncate } from '../fixtures/images';

const PARA =
  'The harbour at dawn is quiet; fishing boats return with their catch while gulls circle above the old stone pier.';
const PARA2 =
  'Later the market opens along the quay, where traders sell bread, cheese and fruit from wooden stalls.';

type Item = { text: string } | { image: Buffer; ext?: string; url?: string };

function documentSample(key: string, items: Item[], extra: Record<string, unknown> = {}): Sample {
  const parts: Record<string, Buffer> = {};
  const texts: (string | null)[] = [];
  const images: (string | null)[] = [];
  items.forEach((item, i) => {
    if ('text' in item) {
      texts.push(item.text);
      images.push(null);
    } else {
      texts.push(null);
      images.push(item.url ?? `https://img.example.org/${key}/${i}.jpg`);
      parts[`${i}.${item.ext ?? 'jpg'}`] = item.image;
    }
  });
  const json = { url: `https://pages.example.org/${key}`, texts, images, ...extra };
  return { key, parts: { ...parts, json: Buffer.from(JSON.stringify(json)) } };
}

describe('obelics: interleaved documents through the curate handler', () => {
  let stats: ShardStats;
  const kept = new Map<string, Sample>();
  const rejected = new Map<string, string>();

  beforeAll(async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'vlmflow-obelics-'));
    const domains = path.join(root, 'optout-domains.txt');
    await writeFile(domains, 'opted-out.example\n');
    const good = await photo(640, 480, { seed: 1 });
    const other = await photo(500, 400, { seed: 2 });
    const docs = [
      documentSample('mixed', [
        { text: PARA },
        { image: good },
        { text: PARA2 },
        { image: await photo(100, 80, { seed: 3 }) },
        { image: other, url: 'https://cdn.opted-out.example/x.jpg' },
        { image: await photo(300, 300, { seed: 4, format: 'png' }), ext: 'png' },
      ]),
      documentSample('all_broken', [
        { text: PARA },
        { image: truncate(await photo(400, 300, { seed: 5 }), 0.5) },
        { image: Buffer.from('<html>not found</html>') },
      ]),
      documentSample('too_many', [
        { text: PARA },
        ...(await Promise.all([6, 7, 8].map((seed) => photo(320, 240, { seed })))).map((image) => ({
          image,
        })),
      ]),
      documentSample('few_words', [
        { text: 'Just a caption.' },
        { image: await photo(320, 240, { seed: 9 }) },
      ]),
      documentSample(
        'page_noai',
        [{ text: PARA }, { image: await photo(320, 240, { seed: 10 }) }],
        { x_robots_tag: 'noai' },
      ),
      documentSample('repeats_image', [
        { text: PARA },
        { image: good },
        { image: await photo(330, 250, { seed: 11 }) },
      ]),
      documentSample('spam', [
        { text: 'click here click here click here click here click here click here' },
        { image: await photo(320, 240, { seed: 12 }) },
      ]),
    ];
    const shard = path.join(root, 'docs-000000.tar');
    const writer = new ShardWriter(shard);
    for (const doc of docs) await writer.add(doc);
    await writer.close();

    // The curate handler's part of the chain: everything but the run-wide MinHash dedup at its
    // end, which the dedup function runs (test/dedup/text-run.test.ts).
    const [curateSegment, minhash, ...more] = segmentsOf(obelics.graph.sources[0]!);
    expect([minhash?.ops.map((use) => use.op), more]).toEqual([['dedup.minhash'], []]);
    const source = {
      ...obelics.graph.sources[0]!,
      ops: obelics.graph.sources[0]!.ops.filter((use) => use.op !== RUN_DEDUP_KIND),
    };
    expect(segmentsOf(source)).toEqual([curateSegment]);
    const runRoot = toFileUri(path.join(root, 'runs', 'obelics', 'r'));
    await handler({
      task: {
        pipeline: obelics.name,
        stage: source.name,
        runId: 'r',
        runRoot,
        params: resolveParams(obelics.graph.params, { optoutDomainsUri: domains, maxImages: 2 }),
        item: { key: 'docs-000000', uri: toFileUri(shard) },
        segments: segmentsOf(source),
      },
      segment: 0,
    });
    stats = JSON.parse(
      await readFile(path.join(root, 'runs/obelics/r/stats/docs/docs-000000.json'), 'utf8'),
    ) as ShardStats;
    for await (const r of readShard(createReadStream(new URL(stats.output.uri).pathname)))
      if (r.kind === 'sample') kept.set(r.sample.key, r.sample);
    for await (const r of readShard(createReadStream(new URL(stats.rejects.uri).pathname))) {
      if (r.kind !== 'sample') continue;
      const tag = (
        JSON.parse(r.sample.parts.json!.toString('utf8')) as {
          reject: { op: string; reason: string };
        }
      ).reject;
      rejected.set(r.sample.key, `${tag.op}:${tag.reason}`);
    }
  }, 120_000);

  it('rejects whole documents by document rules and page opt-outs, and keeps the rest', () => {
    expect(Object.fromEntries(rejected)).toEqual({
      all_broken: 'doc.filter:no_images',
      too_many: 'doc.filter:too_many_images',
      few_words: 'doc.filter:too_few_words',
      page_noai: 'optout:noai',
      spam: 'text.repetition:word_repetition',
    });
    expect([...kept.keys()]).toEqual(['mixed', 'repeats_image']);
    expect(stats.in).toBe(7);
    expect(stats.in).toBe(stats.kept + Object.values(stats.rejected).reduce((a, b) => a + b, 0));
  });

  it('removes rejected images from a kept document, with their reasons', async () => {
    const mixed = kept.get('mixed')!;
    const json = JSON.parse(mixed.parts.json!.toString('utf8')) as DocumentJson;
    expect(json.removed_images?.map((r) => [r.position, `${r.op}:${r.reason}`])).toEqual([
      [4, 'optout:domain_listed'],
      [3, 'image.size:too_small'],
    ]);
    expect(json.images.map((i) => i !== null)).toEqual([false, true, false, false, false, true]);
    expect(json.texts).toEqual([PARA, null, PARA2, null, null, null]);
    expect(Object.keys(mixed.parts).sort()).toEqual(['1.jpg', '5.jpg', 'json']);
    // Resized Idefics2-style: shortest edge 378 (never upscaled: 300 stays 300).
    const sizes = await Promise.all(
      ['1.jpg', '5.jpg'].map(async (m) => await sharp(mixed.parts[m]!).metadata()),
    );
    expect(sizes.map((m) => [m.format, m.width, m.height])).toEqual([
      ['jpeg', 504, 378],
      ['jpeg', 300, 300],
    ]);
  });

  it('removes an image that repeats one of an earlier document', () => {
    const doc = kept.get('repeats_image')!;
    const json = JSON.parse(doc.parts.json!.toString('utf8')) as DocumentJson;
    expect(json.removed_images).toEqual([
      { position: 1, op: 'dedup.exact', reason: 'duplicate', detail: 'mixed.1' },
    ]);
    expect(Object.keys(doc.parts).sort()).toEqual(['2.jpg', 'json']);
  });
});
