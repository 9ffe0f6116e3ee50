/**
 * A model that cannot score is refused at load (MOD_ERR_MODEL), never served: missing files, a
 * corrupt model.json, a same-size file of random weights (which used to load as ready and answer
 * `toxicity: null`), and a missing off-topic model (which used to throw a raw ENOENT).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createScorer } from '../../src/scorer';
import { isModeratoError } from '../../src/errors';

const ROOT = path.join(__dirname, '..', '..');
const SHIPPED = path.join(ROOT, 'models', 'toxicity');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-canary-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A model folder with `model.json` and `weights.bin` replaced; the shipped words.txt is linked,
 * not copied (only the files under test are written).
 */
function modelDir(name: string, weights: Buffer | null, json = fs.readFileSync(path.join(SHIPPED, 'model.json'), 'utf8')): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(SHIPPED, 'words.txt'), path.join(dir, 'words.txt'));
  fs.writeFileSync(path.join(dir, 'model.json'), json);
  if (weights) fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
  return dir;
}

/** Random bytes of the shipped weights' size, from a fixed seed (xorshift) so the test is repeatable. */
function randomWeights(): Buffer {
  const n = fs.statSync(path.join(SHIPPED, 'weights.bin')).size;
  const b = Buffer.alloc(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

async function loadError(opts: Parameters<typeof createScorer>[0]): Promise<unknown> {
  return createScorer(opts).then((s) => {
    s.dispose();
    return null;
  }, (e: unknown) => e);
}

describe('the load check', () => {
  it.each([
    ['missing model.json', () => path.join(tmp, 'nowhere')],
    ['corrupt model.json', () => modelDir('bad-json', fs.readFileSync(path.join(SHIPPED, 'weights.bin')), '{"format": "moderato-toxicity", ')],
    ['missing weights.bin', () => modelDir('no-weights', null)],
    ['regression: same-size random weights (were served, scoring toxicity: null)', () => modelDir('random', randomWeights())],
    ['all-zero weights (scores everything alike)', () => modelDir('zeros', Buffer.alloc(fs.statSync(path.join(SHIPPED, 'weights.bin')).size))],
  ])('refuses %s with MOD_ERR_MODEL', async (_what, dir) => {
    const err = await loadError({ modelDir: dir() });
    expect(isModeratoError(err) && err.code).toBe('MOD_ERR_MODEL');
  });

  it('regression: a missing off-topic model is MOD_ERR_MODEL, not a raw ENOENT', async () => {
    const err = await loadError({ topicDir: path.join(tmp, 'no-topic') });
    expect(isModeratoError(err) && err.code).toBe('MOD_ERR_MODEL');
    expect((err as Error).message).toMatch(/off-topic model/);
  });

  it('`moderato serve` with a corrupt model exits non-zero with MOD_ERR_MODEL', () => {
    const dir = fs.existsSync(path.join(tmp, 'random')) ? path.join(tmp, 'random') : modelDir('random', randomWeights());
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'moderato.js'), 'serve', '--model', dir], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_MODEL/);
  }, 70_000);
});
