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

/** S3's 403: AccessDenied, which it also answers for a missing key the caller may not list. */
export function isAccessDenied(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, $metadata } = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return name === 'AccessDenied' || $metadata?.httpStatusCode === 403;
}

/**
 * Turns S3's 403 on a GetObject/HeadObject into NotFoundError when the key is absent: S3
 * answers 404 only to a caller that may ListBucket, and whether a ListBucket grant conditioned
 * on `s3:prefix` counts for that decision is not settled (docs/deploy.md, "Missing objects").
 * Listing the exact key (`s3:prefix` = the key, which such a grant covers) decides it either
 * way; when the listing is denied too, or finds the key, the original 403 stands.
 */
export async function notFoundIfUnlisted(
  denied: unknown,
  uri: string,
  list: (prefixUri: string) => AsyncIterable<{ readonly uri: string }>,
): Promise<never> {
  let present = false;
  try {
    for await (const object of list(uri)) {
      present = object.uri === uri;
      break;
    }
  } catch {
    throw denied;
  }
  throw present ? denied : new NotFoundError(uri, { cause: denied });
}
