/**
 * Whether the shared datasets (`../shared/datasets` or MODERATO_DATASETS) are on this machine:
 * suites that read them run only when they are (a clean clone elsewhere still passes the rest).
 */
import * as fs from 'fs';
import { datasetsDir } from '../src/data';
import { southfrontPath } from '../src/train/behaviour';

export const haveDatasets: boolean = (() => {
  try {
    return fs.existsSync(datasetsDir());
  } catch {
    return false;
  }
})();

/** `describe` when the datasets are present, `describe.skip` otherwise. */
export const describeWithDatasets: jest.Describe = haveDatasets ? describe : describe.skip;
/** `it` when the datasets are present, `it.skip` otherwise. */
export const itWithDatasets: jest.It = haveDatasets ? it : it.skip;

/** The SouthFront thread (`../shared/examples`, beside the repository). */
export const southfrontThreadPath: string = southfrontPath();
/** Whether the SouthFront thread is on this machine. */
export const haveSouthfront: boolean = fs.existsSync(southfrontThreadPath);
/** `describe` / `it` when the SouthFront thread is present, skipped otherwise. */
export const describeWithSouthfront: jest.Describe = haveSouthfront ? describe : describe.skip;
export const itWithSouthfront: jest.It = haveSouthfront ? it : it.skip;
