/** Alias module: the shard writer lives in tar-writer.ts. */
export { ShardWriter } from './tar-writer';
