import sharp from 'sharp';
import { imageResize } from '../../lambdas/ops/image-resize';
import { brokenImages, photo } from '../fixtures/images';
import { instanceOf, kept, processUnchanged, rejected, sampleOf } from './helpers';

async function infoOf(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  return { format: meta.format, width: meta.width, height: meta.height };
}

describe('image.resize', () => {
  it.each([
    // [mode args, input size, expected size]
    [{}, [2000, 1000], [980, 490]],
    [{}, [400, 300], [400, 300]], // never upscales
    [{ mode: 'longest_edge', longestEdge: 512 }, [768, 1024], [384, 512]],
    [{ mode: 'shortest_edge' }, [1200, 800], [567, 378]],
    [{ mode: 'shortest_edge' }, [3000, 400], [980, 131]], // longest edge caps the shortest
    [{ mode: 'shortest_edge' }, [300, 250], [300, 250]],
    [{ mode: 'fit_box', width: 512, height: 512 }, [1024, 768], [512, 384]],
    [{ mode: 'fit_box', width: 640, height: 200 }, [800, 800], [200, 200]],
  ] as const)('%j: %j → %j', async (args, [w, h], [ew, eh]) => {
    const op = await instanceOf(imageResize, args);
    const sample = sampleOf({ jpg: await photo(w, h), txt: 'a caption' });
    const out = kept(await processUnchanged(op, sample));
    expect(out.image).toEqual({ ext: 'jpg', format: 'jpeg', width: ew, height: eh });
    expect(await infoOf(out.parts.jpg!)).toEqual({ format: 'jpeg', width: ew, height: eh });
    expect(out.parts.txt).toBe(sample.parts.txt);
  });

  it('renames the member when the format changes', async () => {
    const op = await instanceOf(imageResize, { longestEdge: 100 });
    const out = kept(
      await op.process(sampleOf({ png: await photo(200, 150, { format: 'png' }), json: '{}' })),
    );
    expect(Object.keys(out.parts).sort()).toEqual(['jpg', 'json']);
    expect(out.image).toEqual({ ext: 'jpg', format: 'jpeg', width: 100, height: 75 });

    const webp = await instanceOf(imageResize, { format: 'webp', quality: 80 });
    const asWebp = kept(await webp.process(sampleOf({ jpeg: await photo(120, 90) })));
    expect(Object.keys(asWebp.parts)).toEqual(['webp']);
    expect(await infoOf(asWebp.parts.webp!)).toEqual({ format: 'webp', width: 120, height: 90 });
  });

  it('keeps the member name when the format stays', async () => {
    const op = await instanceOf(imageResize, { format: 'png', longestEdge: 50 });
    const out = kept(await op.process(sampleOf({ png: await photo(100, 80, { format: 'png' }) })));
    expect(Object.keys(out.parts)).toEqual(['png']);
    expect(await infoOf(out.parts.png!)).toEqual({ format: 'png', width: 50, height: 40 });
  });

  it('applies the EXIF orientation and strips metadata', async () => {
    // Stored 300×200, left half black, right half white; orientation 6 displays it rotated
    // 90° clockwise: 200×300, black on top.
    const raw = Buffer.alloc(300 * 200 * 3);
    for (let y = 0; y < 200; y++) raw.fill(255, (y * 300 + 150) * 3, (y * 300 + 300) * 3);
    const stored = await sharp(raw, { raw: { width: 300, height: 200, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const op = await instanceOf(imageResize, { longestEdge: 150 });
    const out = kept(await op.process(sampleOf({ jpg: stored })));
    expect(out.image).toMatchObject({ width: 100, height: 150 });
    const meta = await sharp(out.parts.jpg!).metadata();
    expect([meta.width, meta.height, meta.orientation, meta.exif]).toEqual([
      100,
      150,
      undefined,
      undefined,
    ]);
    const { data } = await sharp(out.parts.jpg!)
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[10 * 100 + 20]).toBeLessThan(30); // top: black
    expect(data[140 * 100 + 20]).toBeGreaterThan(225); // bottom: white
  });

  it('flattens transparency onto white for JPEG', async () => {
    const transparent = await sharp({
      create: { width: 40, height: 30, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const op = await instanceOf(imageResize);
    const out = kept(await op.process(sampleOf({ png: transparent })));
    const { data, info } = await sharp(out.parts.jpg!).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect(Math.min(...data)).toBeGreaterThan(250);
  });

  it('uses the size an earlier operator recorded', async () => {
    const op = await instanceOf(imageResize, { longestEdge: 64 });
    const sample = Object.freeze({
      ...sampleOf({ jpg: await photo(128, 96) }),
      image: { ext: 'jpg', format: 'jpeg', width: 128, height: 96 },
    });
    expect(kept(await processUnchanged(op, sample)).image).toEqual({
      ext: 'jpg',
      format: 'jpeg',
      width: 64,
      height: 48,
    });
  });

  it('rejects missing and undecodable images', async () => {
    const broken = await brokenImages();
    const op = await instanceOf(imageResize);
    expect(rejected(await op.process(sampleOf({ txt: 'only a caption' })))).toBe('missing');
    expect(rejected(await processUnchanged(op, sampleOf({ jpg: broken.textBytes })))).toBe(
      'corrupt',
    );
    expect(rejected(await processUnchanged(op, sampleOf({ jpg: broken.truncatedJpeg })))).toBe(
      'corrupt',
    );
  });

  it('requires width and height in fit_box mode', () => {
    const result = imageResize.params.safeParse({ mode: 'fit_box', width: 10 });
    expect(
      result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]),
    ).toEqual([['height', 'required in fit_box mode']]);
  });
});
