import { loadGhc, loadHatexplain, textKey } from '../../src/data';
import { buildCorpus, labelledExample, type Corpus } from '../../src/train/examples';
import { excludedKeys, parseExclude } from '../../src/train/exclude';
import { headsData } from '../../src/train/heads/data';
import { heldOutOf } from '../../src/train/heads/cli';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWithDatasets } from '../datasets';

describe('--exclude', () => {
  it('accepts known sources (sorted, once each) and refuses unknown ones', () => {
    expect(parseExclude('ucc,c3,ucc')).toEqual(['c3', 'ucc']);
    expect(() => parseExclude('ucc,reddit')).toThrow(/unknown source reddit/);
    expect(() => parseExclude('')).toThrow(/unknown source/);
  });

  it('gives the heads their network\'s held-out sources and refuses others', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-exclude-'));
    try {
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ version: '2.5.0', training: { exclude: ['ucc'] } }));
      expect(heldOutOf({ base: dir })).toEqual(['ucc']);
      expect(heldOutOf({ base: dir, exclude: ['ucc'] })).toEqual(['ucc']);
      expect(() => heldOutOf({ base: dir, exclude: ['c3'] })).toThrow(/differs from the base's/);
      expect(() => heldOutOf({ base: dir, exclude: [] })).toThrow(/differs from the base's/);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ version: '2.5.0', training: {} }));
      expect(heldOutOf({ base: dir })).toEqual([]);
      expect(() => heldOutOf({ base: dir, exclude: ['ucc'] })).toThrow(/differs from the base's/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithDatasets('a source held out whole', () => {
  const cfg = { buckets: 4096, version: 1 };
  // Small extra pools: HateXplain's own, and a GHC pool that also carries two HateXplain texts
  // (as a set sharing texts with the held-out one would).
  const hx = loadHatexplain('train').slice(0, 40);
  const pools = () => ({
    hatexplain: hx.map((p) => labelledExample(p, 0.1)),
    ghc: [...loadGhc('train').slice(0, 40), ...hx.slice(0, 2).map((p) => ({ ...p, domain: 'ghc' as const }))].map((r) => labelledExample(r, 0.1)),
  });
  const texts = (c: Corpus): string[] => [
    ...c.train, ...Object.values(c.commentPools).flat(), ...c.trial, ...c.cleanTune, ...c.cleanEval,
  ].map((r) => r.text);

  it('leaves no text of c3 or hatexplain in any pool, span post or tuning set; without --exclude they are there', () => {
    const held = excludedKeys(['c3', 'hatexplain']);
    const out = buildCorpus(cfg, { limit: 300, extraPools: pools(), exclude: ['c3', 'hatexplain'] });
    expect(Object.keys(out.commentPools).sort()).toEqual(['davidson', 'ethos', 'ghc', 'olid']);
    expect(out.commentPools.ghc.length).toBe(40);
    expect(texts(out).filter((t) => held.has(textKey(t)))).toEqual([]);
    const all = buildCorpus(cfg, { limit: 300, extraPools: pools() });
    expect(all.commentPools.c3.length).toBeGreaterThan(200);
    expect(all.commentPools.ghc.length).toBe(42);
    expect(all.cleanTune.some((r) => held.has(textKey(r.text)))).toBe(true);
  }, 120000);

  it('keeps the held-out source out of the heads\' calibration slice and vector rows', () => {
    const held = excludedKeys(['c3']);
    const d = headsData({ limit: 600, pools: pools(), exclude: ['c3'] });
    expect(d.calibration.length).toBeGreaterThan(10);
    expect([...d.calibration, ...d.vectorTrain].filter((r) => held.has(textKey(r.text)))).toEqual([]);
    const all = headsData({ limit: 600, pools: pools() });
    expect(all.calibration.filter((r) => held.has(textKey(r.text))).length).toBeGreaterThan(5);
  }, 120000);
});
