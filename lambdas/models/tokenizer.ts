/** tokenizer.json + tokenizer_config.json of a model folder, read by @huggingface/tokenizers. */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { modelFilePath, type ModelFolder } from './cache';
import { ModelError } from './manifest';

export async function loadTokenizer(folder: ModelFolder): Promise<Tokenizer> {
  const read = async (file: string): Promise<object> => {
    try {
      return JSON.parse(await readFile(modelFilePath(folder, file), 'utf8')) as object;
    } catch (error) {
      throw new ModelError(
        `model file ${file} of ${folder.uri} is not valid JSON: ${String(error)}`,
      );
    }
  };
  const [json, config] = await Promise.all([read('tokenizer.json'), read('tokenizer_config.json')]);
  try {
    return new Tokenizer(json, config);
  } catch (error) {
    throw new ModelError(
      `model file tokenizer.json of ${folder.uri} is not a usable tokenizer: ${String(error)}`,
    );
  }
}
