/** `loadModel` picks the implementation from the model file's `format` and refuses what it cannot load. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HEAD_OUTPUTS, loadModel, parseHeadsFile } from '../../src/model';
import { isModeratoError } from '../../src/errors';

const SHIPPED = path.join(__dirname, '..', '..', 'models', 'toxicity');
const D = HEAD_OUTPUTS.length + 512;
let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-load-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function headsJson(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'moderato-heads',
    name: 'h',
    version: '1.0.0',
    base: { dir: SHIPPED, version: '2.5.0' },
    encoder: { name: 'e', dim: 512 },
    inputs: { base: [...HEAD_OUTPUTS], shift: new Array(D).fill(0), scale: new Array(D).fill(1) },
    heads: { toxicity: { w: new Array(D).fill(0), b: 0 } },
    thresholds: {},
    ...over,
  };
}

function write(name: string, json: unknown): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

async function loadError(target: string): Promise<unknown> {
  return loadModel(target).then((m) => (m.dispose(), null), (e: unknown) => e);
}

it('loads the convolutional model from its model.json (its folder: every other test)', async () => {
  const m = await loadModel(path.join(SHIPPED, 'model.json'));
  expect(m.embeds).toBeFalsy();
  expect(m.info.name).toBe('moderato-toxicity');
  m.dispose();
});

it.each([
  ['an unknown format, listing the known ones', () => write('unknown', { format: 'onnx-thing' }), /known: moderato-toxicity, moderato-heads/],
  ['heads with a wrong weight count', () => write('short', headsJson({ heads: { toxicity: { w: [1, 2], b: 0 } } })), /head toxicity needs 518 weights/],
  ['heads of another base version', () => write('other-base', headsJson({ base: { dir: SHIPPED, version: '9.9.9' } })), /trained on toxicity model 9\.9\.9/],
  ['heads whose base is not a convolutional model', () => write('loop', headsJson({ base: { dir: '.', version: '2.5.0' } })), /not a moderato-toxicity model/],
  ['heads with a non-finite weight', () => write('nan', { ...headsJson(), heads: { toxicity: { w: new Array(D).fill('x'), b: 0 } } }), /invalid heads model/],
])('refuses %s with MOD_ERR_MODEL', async (_what, dir, message) => {
  const e = await loadError(dir());
  expect(isModeratoError(e) && e.code).toBe('MOD_ERR_MODEL');
  expect((e as Error).message).toMatch(message);
});

it('parseHeadsFile checks the hidden layer against the input width', () => {
  expect(() => parseHeadsFile(headsJson({ hidden: { size: 2, W: [0], b: [0, 0] } }))).toThrow(/hidden needs 2x518 weights/);
});
