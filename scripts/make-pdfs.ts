/** Writes the document fixtures (test/fixtures/pdfs.ts): `node --import tsx scripts/make-pdfs.ts <dir>`. */
import { makeDocumentFixtures } from '../test/fixtures/pdfs';

const dir = process.argv[2] ?? 'work/documents';
makeDocumentFixtures(dir).then(
  (out) => console.log(`PDFs in ${out.pdfDir}, JSON lines in ${out.jsonlDir}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
