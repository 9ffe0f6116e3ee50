import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openOutput } from '../../src/batch';

describe('openOutput: outputs that are not plain files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-output-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Regression: the partial file was renamed over the output, so `--output /dev/null` run as
  // root replaced the device with a regular file (and broke every later `2>/dev/null`).
  it('writes a device in place and leaves it a device', async () => {
    const out = await openOutput('/dev/null');
    await out.write('{"id":"a"}\n');
    await out.commit();
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(fs.existsSync('/dev/null.partial')).toBe(false);
  });

  it('refuses to resume into a device', async () => {
    await expect(openOutput('/dev/null', { resume: true })).rejects.toMatchObject({ code: 'MOD_ERR_INPUT', message: expect.stringMatching(/not a regular file/) });
  });

  it('keeps a symlinked output a symlink and replaces its target', async () => {
    const target = path.join(dir, 'target.jsonl');
    const link = path.join(dir, 'link.jsonl');
    fs.writeFileSync(target, 'old\n');
    fs.symlinkSync(target, link);
    const out = await openOutput(link);
    await out.write('new\n');
    await out.commit();
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe('new\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['link.jsonl', 'target.jsonl']);
  });
});
