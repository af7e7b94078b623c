/** Byte count and sha256 of whatever flows through, computed on the way (never buffered). */
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';

export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  private count = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }

  get bytes(): number {
    return this.count;
  }

  /** Call once the stream has ended. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}

export function toReadable(body: Readable | Buffer | string): Readable {
  if (body instanceof Readable) return body;
  return Readable.from([typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}
