/** Many tiny text shards (the scale test and benchmark): 2 samples each, one kept, one rejected. */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { ShardWriter } from '../../lambdas/shards/tar-writer';

export const TINY_PIPELINE_MODULE = path.join(__dirname, 'fixtures', 'tiny-text.ts');

export async function makeTinyShards(dir: string, shards: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < shards; i++) {
    const name = `t-${String(i).padStart(6, '0')}`;
    const writer = new ShardWriter(path.join(dir, `${name}.tar`));
    await writer.add({ key: `${name}_0`, parts: { txt: Buffer.from(`caption number ${i}`) } });
    await writer.add({ key: `${name}_1`, parts: { txt: Buffer.from('x') } });
    await writer.close();
  }
}
