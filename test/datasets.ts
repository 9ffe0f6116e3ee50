/**
 * Suites that read the shared data (`../shared/datasets` or MODERATO_DATASETS, and the SouthFront
 * thread in `../shared/examples`) run only when it is on this machine, so a clean clone elsewhere
 * still passes the rest; each one skipped says so in one line naming what is missing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { datasetsDir } from '../src/data';
import { southfrontPath } from '../src/train/behaviour';

/** Why the datasets are unusable here (the loaders' own message, naming the folder), or null. */
const datasetsMissing: string | null = (() => {
  try {
    datasetsDir();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
})();

/** Whether the shared datasets are on this machine. */
export const haveDatasets: boolean = datasetsMissing === null;

/** The SouthFront thread (`../shared/examples`, beside the repository). */
export const southfrontThreadPath: string = southfrontPath();
/** Whether the SouthFront thread is on this machine. */
export const haveSouthfront: boolean = fs.existsSync(southfrontThreadPath);

const WHERE = 'README, "Tests and data"';

/** One line on stderr (jest's console would add a stack frame to every one). */
function skipped(what: string, name: string, missing: string): void {
  const file = path.relative(path.join(__dirname, '..'), expect.getState().testPath ?? '?');
  process.stderr.write(`skipped ${what} "${name}" (${file}): ${missing}; see ${WHERE}\n`);
}

type Suite = (name: string, fn: () => void) => void;
type Test = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

function suiteWhen(ok: boolean, missing: () => string): Suite {
  return ok ? describe : (name, fn) => {
    skipped('suite', name, missing());
    describe.skip(name, fn);
  };
}

function testWhen(ok: boolean, missing: () => string): Test {
  return ok ? it : (name, fn, timeout) => {
    skipped('test', name, missing());
    it.skip(name, fn, timeout);
  };
}

const noSouthfront = () => `the SouthFront thread not found: ${southfrontThreadPath}`;

/** `describe` when the datasets are present, else skipped with a line saying so. */
export const describeWithDatasets: Suite = suiteWhen(haveDatasets, () => datasetsMissing!);
/** `it` when the datasets are present, else skipped with a line saying so. */
export const itWithDatasets: Test = testWhen(haveDatasets, () => datasetsMissing!);
/** `describe` / `it` when the SouthFront thread is present, else skipped with a line saying so. */
export const describeWithSouthfront: Suite = suiteWhen(haveSouthfront, noSouthfront);
export const itWithSouthfront: Test = testWhen(haveSouthfront, noSouthfront);
