/** `vlmflow pack`: a folder or an HF parquet file → grouped, readable WebDataset shards. */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pack } from '../../infra/cli/pack-command';
import { readShard } from '../../lambdas/shards/tar-reader';
import { tinyJpeg } from '../download/image-server';
import { writeHfImageParquet } from '../fixtures/parquet';

async function keysOf(shard: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const r of readShard(createReadStream(shard))) {
    keys.push(
      r.kind === 'sample'
        ? `${r.sample.key}:${Object.keys(r.sample.parts).sort().join('+')}`
        : r.reason,
    );
  }
  return keys;
}

describe('vlmflow pack', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-pack-'));
  });

  it('packs a folder into shards of N samples, reporting what it skipped', async () => {
    const folder = path.join(dir, 'photos');
    await mkdir(folder);
    for (let i = 0; i < 5; i++) {
      await writeFile(path.join(folder, `p${i}.jpg`), await tinyJpeg(i));
      await writeFile(path.join(folder, `p${i}.txt`), `caption ${i}`);
    }
    await writeFile(path.join(folder, 'orphan.txt'), 'no image');
    const result = await pack(folder, path.join(dir, 'out-folder'), 2);
    expect(result.samples).toBe(5);
    expect(result.rejected).toEqual({ 'folder:no_image': 1 });
    expect(result.shards.map((s) => path.basename(s))).toEqual([
      'shard-000000.tar',
      'shard-000001.tar',
      'shard-000002.tar',
    ]);
    expect(await keysOf(result.shards[0]!)).toEqual(['p0:jpg+txt', 'p1:jpg+txt']);
  });

  it('packs a Hugging Face parquet file', async () => {
    const file = path.join(dir, 'train.parquet');
    await writeHfImageParquet(file, [
      { image: await tinyJpeg(1), text: 'one' },
      { image: await tinyJpeg(2), text: 'two' },
    ]);
    const result = await pack(file, path.join(dir, 'out-parquet'), 10);
    expect(await keysOf(result.shards[0]!)).toEqual([
      'train-r000000000:jpg+json+txt',
      'train-r000000001:jpg+json+txt',
    ]);
  });

  it('packs a folder of parquet files (a Hugging Face dataset as downloaded), file by file', async () => {
    const hf = path.join(dir, 'hf', 'data');
    await mkdir(hf, { recursive: true });
    await writeHfImageParquet(path.join(hf, 'train-00000-of-00002.parquet'), [
      { image: await tinyJpeg(3), text: 'three' },
    ]);
    await writeHfImageParquet(path.join(hf, 'train-00001-of-00002.parquet'), [
      { image: await tinyJpeg(4), text: 'four' },
      { image: null, text: 'none' },
    ]);
    const result = await pack(path.join(dir, 'hf'), path.join(dir, 'out-hf'), 10);
    expect(result.rejected).toEqual({ 'parquet:no_image': 1 });
    expect(await keysOf(result.shards[0]!)).toEqual([
      'train-00000-of-00002-r000000000:jpg+json+txt',
      'train-00001-of-00002-r000000000:jpg+json+txt',
    ]);
  });

  it('refuses what it cannot read, with a message', async () => {
    await expect(pack(path.join(dir, 'nothing'), path.join(dir, 'o'), 1)).rejects.toThrow(
      /no such file or folder/,
    );
  });
});
