/**
 * Hash records of one shard in one partition: a small binary file, records sorted by sample key.
 * Hand-written rather than JSON because these files hold every sample of the run: 16 (exact) or
 * 8 (phash) hash bytes + 2 + key bytes per record, about a third of the JSON size, and decoding
 * needs no parser.
 */

export interface HashRecord {
  readonly key: string;
  /** 16 bytes of sha256 (exact) or the 8 bytes of a 64-bit perceptual hash, big-endian. */
  readonly hash: Buffer;
}

const MAGIC = Buffer.from('VDR1', 'ascii');
const MAX_KEY_BYTES = 0xffff;

/** Sample keys are compared as JavaScript strings (UTF-16 code units): the order of the whole design. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function encodeRecords(records: readonly HashRecord[], hashBytes: number): Buffer {
  const sorted = [...records].sort((a, b) => compareKeys(a.key, b.key));
  const chunks: Buffer[] = [MAGIC, Buffer.from([hashBytes])];
  for (const record of sorted) {
    if (record.hash.length !== hashBytes)
      throw new Error(
        `record ${record.key}: hash has ${record.hash.length} bytes, expected ${hashBytes}`,
      );
    const key = Buffer.from(record.key, 'utf8');
    if (key.length > MAX_KEY_BYTES)
      throw new Error(`record key too long: ${record.key.slice(0, 80)}…`);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(key.length);
    chunks.push(record.hash, length, key);
  }
  return Buffer.concat(chunks);
}

export function decodeRecords(bytes: Buffer, where: string): HashRecord[] {
  if (bytes.length < 5 || !bytes.subarray(0, 4).equals(MAGIC))
    throw new Error(`${where}: not a hash record file`);
  const hashBytes = bytes[4]!;
  const records: HashRecord[] = [];
  let at = 5;
  while (at < bytes.length) {
    if (at + hashBytes + 2 > bytes.length) throw new Error(`${where}: truncated at byte ${at}`);
    const hash = bytes.subarray(at, at + hashBytes);
    const keyLength = bytes.readUInt16BE(at + hashBytes);
    const keyStart = at + hashBytes + 2;
    if (keyStart + keyLength > bytes.length) throw new Error(`${where}: truncated at byte ${at}`);
    records.push({ key: bytes.toString('utf8', keyStart, keyStart + keyLength), hash });
    at = keyStart + keyLength;
  }
  return records;
}
