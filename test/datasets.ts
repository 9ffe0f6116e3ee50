/**
 * Whether the shared datasets (`../shared/datasets` or MODERATO_DATASETS) are on this machine:
 * suites that read them run only when they are (a clean clone elsewhere still passes the rest).
 */
import * as fs from 'fs';
import { datasetsDir } from '../src/data';

export const haveDatasets: boolean = (() => {
  try {
    return fs.existsSync(datasetsDir());
  } catch {
    return false;
  }
})();

/** `describe` when the datasets are present, `describe.skip` otherwise. */
export const describeWithDatasets: jest.Describe = haveDatasets ? describe : describe.skip;
