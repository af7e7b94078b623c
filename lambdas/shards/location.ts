/** Step Functions {Bucket, Key} locations for storage URIs (see uri.ts and handlers/contracts.ts). */
export { LOCAL_BUCKET, fromLocation, toLocation, toPrefixLocation } from './uri';
