/**
 * Loads pdfjs-dist (Mozilla PDF.js, pure JavaScript: parsing, text extraction, rendering through
 * @napi-rs/canvas, a prebuilt Skia binding; neither needs system packages, so both run inside
 * the curate Lambda). pdfjs-dist ships only ES modules.
 */
import { dirname, join } from 'node:path';
import { loadEsModuleWithNode } from '../runtime/esm';

export type Pdfjs = typeof import('pdfjs-dist');

const ENTRY = 'pdfjs-dist/legacy/build/pdf.mjs';
let loaded: Pdfjs | undefined;

export function loadPdfjs(): Pdfjs {
  if (loaded) return loaded;
  try {
    // Node 24 loads ES modules with require(). The path is a literal so that the CDK bundle
    // keeps `require("pdfjs-dist/…")` and ships the package beside it (infra/cdk/stage-functions.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ES module, loaded synchronously
    loaded = require('pdfjs-dist/legacy/build/pdf.mjs') as Pdfjs;
  } catch {
    loaded = loadEsModuleWithNode<Pdfjs>(require.resolve(ENTRY));
  }
  return loaded;
}

/** Glyph data for the 14 standard PDF fonts, which PDFs may use without embedding them. */
export function standardFontDataPath(): string {
  return join(dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/';
}
