/**
 * hyparquet (a maintained pure-JavaScript parquet reader, no native code) with every codec of
 * hyparquet-compressors (snappy, gzip, brotli, zstd, lz4), over any storage URI by range reads.
 * Both packages ship only ES modules (see runtime/esm.ts for how they load).
 */
import type * as Hyparquet from 'hyparquet';
import type { AsyncBuffer } from 'hyparquet';
import type * as Compressors from 'hyparquet-compressors';
import { loadEsModuleWithNode } from '../runtime/esm';
import { storageFor } from '../shards/storage';

let loaded:
  { hyparquet: typeof Hyparquet; compressors: typeof Compressors.compressors } | undefined;

export function loadHyparquet(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  let hyparquet: typeof Hyparquet;
  let compressors: typeof Compressors;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ES module, loaded synchronously
    hyparquet = require('hyparquet') as typeof Hyparquet;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ES module, loaded synchronously
    compressors = require('hyparquet-compressors') as typeof Compressors;
  } catch {
    hyparquet = loadEsModuleWithNode(require.resolve('hyparquet'));
    compressors = loadEsModuleWithNode(require.resolve('hyparquet-compressors'));
  }
  loaded = { hyparquet, compressors: compressors.compressors };
  return loaded;
}

/** The file as hyparquet's random-access buffer: footer and column chunks read by range. */
export async function parquetFile(uri: string): Promise<AsyncBuffer> {
  const storage = storageFor(uri);
  const byteLength = await storage.size(uri);
  const file: AsyncBuffer = {
    byteLength,
    slice: async (start, end) => {
      const bytes = await storage.readRange(uri, start, end ?? byteLength);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    },
  };
  return loadHyparquet().hyparquet.cachedAsyncBuffer(file);
}
