/**
 * One test for "the object is not there", whichever storage raised it: Node's ENOENT, the S3
 * SDK's NoSuchKey / NotFound, or any 404 response.
 */
export class NotFoundError extends Error {
  override readonly name = 'NoSuchKey';
  readonly code = 'ENOENT';
  constructor(
    readonly uri: string,
    options?: { cause?: unknown },
  ) {
    super(`not found: ${uri}`, options);
  }
}

export function isNotFound(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, name, $metadata } = err as {
    code?: unknown;
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return (
    code === 'ENOENT' ||
    name === 'NoSuchKey' ||
    name === 'NotFound' ||
    $metadata?.httpStatusCode === 404
  );
}
