/**
 * image.decode's deferred pixel work: normalisation (8-bit sRGB, EXIF orientation, first frame,
 * no metadata), truncated vs corrupt, and how the shard loop settles it: done for free by a
 * later image.resize, run at the end of the chain otherwise, reported as image.decode either way.
 */
import sharp from 'sharp';
import { runShardLoop, type ChainLink } from '../../lambdas/handlers/shard-loop';
import { imageDecode } from '../../lambdas/ops/image-decode';
import { imageResize } from '../../lambdas/ops/image-resize';
import { textLength } from '../../lambdas/ops/text-length';
import type { Sample } from '../../core/ops/sample';
import type { ShardRecord } from '../../lambdas/shards/tar-reader';
import { cmykJpeg, photo, photoPixels, rotatedJpeg, truncate } from '../fixtures/images';
import { instanceOf, kept, processSettled, rejected, sampleOf } from './helpers';

async function png16(width: number, height: number): Promise<Buffer> {
  return sharp(photoPixels(width, height, 3), { raw: { width, height, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
}

async function animatedGif(width: number, pageHeight: number, frames: number): Promise<Buffer> {
  const raw = photoPixels(width, pageHeight * frames, 9);
  return sharp(raw, { raw: { width, height: pageHeight * frames, channels: 3, pageHeight } })
    .gif()
    .toBuffer();
}

describe('image.decode normalisation', () => {
  it('converts a CMYK JPEG to 8-bit sRGB', async () => {
    const out = kept(
      await processSettled(
        await instanceOf(imageDecode),
        sampleOf({ jpg: await cmykJpeg(120, 80) }),
      ),
    );
    const meta = await sharp(out.parts.jpg!).metadata();
    expect([meta.format, meta.space, meta.depth, meta.width]).toEqual([
      'jpeg',
      'srgb',
      'uchar',
      120,
    ]);
    expect(out.deferred).toBeUndefined();
  });

  it('converts a 16-bit PNG to 8 bits', async () => {
    const out = kept(
      await processSettled(await instanceOf(imageDecode), sampleOf({ png: await png16(64, 48) })),
    );
    const meta = await sharp(out.parts.png!).metadata();
    expect([meta.format, meta.space, meta.depth]).toEqual(['png', 'srgb', 'uchar']);
  });

  it('applies the EXIF orientation, then strips the metadata', async () => {
    const out = kept(
      await processSettled(
        await instanceOf(imageDecode),
        sampleOf({ jpg: await rotatedJpeg(300, 200) }),
      ),
    );
    const meta = await sharp(out.parts.jpg!).metadata();
    expect([meta.width, meta.height, meta.orientation, meta.exif, meta.icc]).toEqual([
      200,
      300,
      undefined,
      undefined,
      undefined,
    ]);
    expect(out.image).toEqual({ ext: 'jpg', format: 'jpeg', width: 200, height: 300 });
  });

  it('keeps the first frame of an animated GIF, or rejects it by parameter', async () => {
    const gif = sampleOf({ gif: await animatedGif(64, 40, 3) });
    const first = kept(
      await processSettled(await instanceOf(imageDecode, { formats: ['gif'] }), gif),
    );
    const meta = await sharp(first.parts.gif!).metadata();
    expect([meta.pages ?? 1, meta.width, meta.height]).toEqual([1, 64, 40]);
    const strict = await instanceOf(imageDecode, { formats: ['gif'], animated: 'reject' });
    expect(await strict.process(gif)).toEqual({
      keep: false,
      reason: 'animated',
      detail: '3 frames',
    });
  });

  it('leaves a plain sRGB JPEG without metadata byte for byte', async () => {
    const jpg = await photo(160, 120);
    const out = kept(await processSettled(await instanceOf(imageDecode), sampleOf({ jpg })));
    expect(out.parts.jpg).toBe(jpg);
  });

  it('tells a truncated file from a corrupt one (damaged Huffman table) and from a non-image', async () => {
    const good = await photo(320, 240, { seed: 3 });
    const op = await instanceOf(imageDecode);
    expect(rejected(await processSettled(op, sampleOf({ jpg: truncate(good, 0.5) })))).toBe(
      'truncated',
    );
    const damaged = Buffer.from(good);
    const dht = damaged.indexOf(Buffer.from([0xff, 0xc4]));
    damaged.fill(0xff, dht + 4, dht + 40);
    expect(rejected(await processSettled(op, sampleOf({ jpg: damaged })))).toBe('corrupt');
    const html = Buffer.from('<!doctype html><title>404</title>');
    expect(rejected(await processSettled(op, sampleOf({ jpg: html })))).toBe('not_an_image');
  });
});

describe('deferred verification in the shard loop', () => {
  async function run(samples: Sample[], chain: ChainLink[]) {
    const kept: Sample[] = [];
    const rejects: Sample[] = [];
    async function* records(): AsyncIterable<ShardRecord> {
      for (const sample of samples) yield { kind: 'sample', sample };
    }
    const result = await runShardLoop(records(), chain, {
      kept: { add: (s: Sample) => kept.push(s) },
      rejected: { add: (s: Sample) => rejects.push(s) },
    });
    return { result, kept, rejects };
  }
  const link = async (decl: Parameters<typeof instanceOf>[0], args = {}): Promise<ChainLink> => ({
    op: decl.kind,
    instance: await instanceOf(decl, args),
  });

  it('counts a resize decode failure as image.decode:truncated, and a later reject after it', async () => {
    const good = await photo(640, 480, { seed: 1 });
    const cut = truncate(await photo(640, 480, { seed: 2 }), 0.6);
    const samples = [
      sampleOf({ jpg: good, txt: 'a fine photo of a lake' }, 'a'),
      sampleOf({ jpg: cut, txt: 'a truncated photo of a lake' }, 'b'),
      sampleOf({ jpg: cut, txt: 'short' }, 'c'),
      sampleOf({ jpg: good, txt: 'short' }, 'd'),
    ];
    const chain = [
      await link(imageDecode),
      await link(textLength),
      await link(imageResize, { longestEdge: 256 }),
    ];
    const { result, kept, rejects } = await run(samples, chain);
    expect(result.rejected).toEqual({ 'image.decode:truncated': 2, 'text.length:too_short': 1 });
    expect(kept.map((s) => [s.key, s.deferred])).toEqual([['a', undefined]]);
    expect(rejects.map((s) => s.key)).toEqual(['b', 'c', 'd']);
  });

  it('settles the verification at the end of a chain without a resize', async () => {
    const cut = truncate(await photo(320, 240, { seed: 4 }), 0.5);
    const { result, kept } = await run(
      [sampleOf({ jpg: cut }, 'x'), sampleOf({ jpg: await rotatedJpeg(60, 40) }, 'y')],
      [await link(imageDecode)],
    );
    expect(result.rejected).toEqual({ 'image.decode:truncated': 1 });
    expect(kept).toHaveLength(1);
    expect(kept[0]!.deferred).toBeUndefined();
    expect((await sharp(kept[0]!.parts.jpg!).metadata()).width).toBe(40);
  });
});
