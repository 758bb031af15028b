/** Where polypseg looks for a dataset and which files count as images: one home for both. */

/** The Kvasir-SEG copy beside the repository, unless a config, flag or POLYPSEG_DATASET says otherwise. */
export const DEFAULT_DATA_DIR = '../shared/data/kvasir-seg';

/** The dataset the tests, benchmarks and scripts use: POLYPSEG_DATASET, else DEFAULT_DATA_DIR. */
export function datasetDir(): string {
  return process.env.POLYPSEG_DATASET || DEFAULT_DATA_DIR;
}

/** Extensions (lower case) of the image files polypseg reads (all decodable by sharp). */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.bmp',
  '.tif',
  '.tiff',
  '.webp',
  '.gif',
];
