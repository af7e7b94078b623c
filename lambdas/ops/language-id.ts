/**
 * Language identification with fastText's lid.176 model (176 languages), as shipped by the npm
 * package fasttext.wasm.js (MIT; the model is fastText's, CC BY-SA 3.0) with fastText compiled
 * to WebAssembly. Chosen over cld3-asm because it is the model the peers' recipes use (OBELICS,
 * datatrove, data-juicer), so their thresholds carry over, and it needs no native build.
 *
 * The package's own wrapper loads its parts with dynamic import(), which jest's module registry
 * refuses; this drives the same WebAssembly module directly (loaded by Node's own loader, see
 * runtime/esm.ts) with the same calls: the model file written into its file system, `loadModel`,
 * `predict(text, 1, 0)`. Label codes (fastText's Wikipedia codes) become ISO 639 codes by the
 * package's own table. Loaded once per process.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { loadEsModuleWithNode } from '../runtime/esm';

export interface LanguageGuess {
  /** ISO 639-1 code, or the ISO 639-3 code for a language that has none. */
  readonly language: string;
  readonly score: number;
}

interface Prediction {
  size(): number;
  get(index: number): [number, string];
  delete?(): void;
}
interface FastTextWasm {
  readonly FS: { writeFile(path: string, data: Uint8Array): void };
  readonly FastText: new () => {
    loadModel(path: string): void;
    predict(text: string, k: number, threshold: number): Prediction;
  };
}
type IsoCodes = Readonly<Record<string, { alpha2: string | null; alpha3: string }>>;

const PACKAGE = path.dirname(require.resolve('fasttext.wasm.js/package.json'));
const MODEL_FILE = path.join(PACKAGE, 'dist/models/language-identification/assets/lid.176.ftz');

let loaded: Promise<(text: string) => LanguageGuess> | undefined;

async function open(): Promise<(text: string) => LanguageGuess> {
  const createModule = loadEsModuleWithNode<{
    default: (options: object) => Promise<FastTextWasm>;
  }>(path.join(PACKAGE, 'dist/core/fastText.node.js')).default;
  const iso =
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's code table (CommonJS)
    require('fasttext.wasm.js/dist/models/language-identification/assets/languages.json.cjs') as IsoCodes;
  const wasm = await createModule({});
  wasm.FS.writeFile('/lid.176.ftz', await readFile(MODEL_FILE));
  const fastText = new wasm.FastText();
  fastText.loadModel('/lid.176.ftz');
  return (text) => {
    const prediction = fastText.predict(text, 1, 0);
    const [score, label] = prediction.get(0);
    prediction.delete?.();
    const raw = label.replace('__label__', '');
    const codes = iso[raw];
    return { language: codes?.alpha2 ?? codes?.alpha3 ?? raw, score };
  };
}

function identifier(): Promise<(text: string) => LanguageGuess> {
  if (!loaded) {
    loaded = open();
    loaded.catch(() => (loaded = undefined));
  }
  return loaded;
}

/**
 * The most probable language of `text`, read as data-juicer does: lower-cased, and on one line
 * (fastText predicts per line).
 */
export async function identifyLanguage(text: string): Promise<LanguageGuess> {
  const identify = await identifier();
  return identify(text.toLowerCase().replace(/\s+/gu, ' ').trim());
}

/** Loads the model now (a cold start pays for it once, not the first sample). */
export async function loadLanguageModel(): Promise<void> {
  await identifier();
}
