/**
 * `moderato adapt` on SQLite and PostgreSQL: import (features and labels stored once per id, bad
 * lines reported as MOD_ERR_INPUT with their line numbers, an unusable file exits 1), train
 * (base vs adapted AUC, decisions used, activated or not), status, activate/rollback, `score
 * --site` with the site's adapter, and a train killed midway that leaves the previous version
 * active. The accurate scorer (identity heads over the shipped model) is loaded once; the kill
 * test runs the built CLI as a child process.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { adaptCommand, formatReport } from '../../src/cli/adapt';
import { main } from '../../src/cli';
import { scoreCommand } from '../../src/cli/score';
import { openStore, type QueueStore } from '../../src/queue';
import { KINDS, importSimulated, makeTestDb, type TestDb } from '../queue/helpers';
import { accurateCliFixture, capture } from './fixture';

const BIN = path.join(__dirname, '..', '..', 'bin', 'moderato.js');

const fx = accurateCliFixture('moderato-adapt-cli-');

const TEXTS = [
  ['Whoever runs the ferry board should be dragged out and beaten.', 'reject'],
  ['You people are vermin and should leave this town.', 'reject'],
  ['Thanks, this explains the new timetable well.', 'approve'],
  ['I think the council should publish the budget first.', 'approve'],
] as const;

describe.each(KINDS)('moderato adapt on %s', (kind) => {
  let db: TestDb;

  beforeEach(() => {
    db = makeTestDb(kind);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('imports decisions once per id, reporting bad lines with their numbers, then trains, shows status and rolls back', async () => {
    const file = path.join(fx.dir, `${kind}-import.jsonl`);
    const lines = TEXTS.map(([text, decision], i) => JSON.stringify({ id: `h${i}`, text, decision, ...(i === 0 ? { category: 'threat' } : {}) }));
    lines.splice(2, 0, '{"id":"x","text":"hi","decision":"delete"}', 'not json', JSON.stringify({ id: 'h0', text: 'again', decision: 'approve' }));
    fs.writeFileSync(file, lines.join('\n') + '\n');
    let c = capture();
    expect(await adaptCommand(['import', '--site', 'news', '--db', db.url, file], c.io, { scorer: fx.scorer })).toBe(0);
    expect(c.out.stderr).toMatch(/line 3: MOD_ERR_INPUT: decision/);
    expect(c.out.stderr).toMatch(/line 4: MOD_ERR_INPUT: not JSON/);
    expect(c.out.stderr).toMatch(/line 5: MOD_ERR_INPUT: id "h0" already appears/);
    expect(c.out.stdout).toMatch(/imported 4 decision\(s\) for site "news" \(2 rejected\).*3 bad line\(s\) skipped/);
    c = capture();
    expect(await adaptCommand(['import', '--site', 'news', '--db', db.url, file], c.io, { scorer: fx.scorer })).toBe(0);
    expect(c.out.stdout).toMatch(/imported 0 decision\(s\).*4 already imported/);

    const store: QueueStore = await openStore(db.url);
    try {
      const ex = await store.siteExamples('news');
      expect(ex.map((e) => [e.label, e.category])).toEqual([[1, 'threat'], [1, null], [0, null], [0, null]]);
      expect(ex[0]!.features.vector).toHaveLength(512);
      expect(ex[0]!.features.base.toxicity).toBeGreaterThan(0);
      // Too few to fit: a clear error, nothing stored.
      c = capture();
      expect(await main(['adapt', 'train', '--site', 'news', '--db', db.url], c.io)).toBe(1);
      expect(c.out.stderr).toMatch(/MOD_ERR_VALIDATION: Site "news" has 4 labelled decision/);
      await importSimulated(store, 'news', 120);
    } finally {
      await store.close();
    }
    for (const expected of [1, 2]) {
      c = capture();
      expect(await main(['adapt', 'train', '--site', 'news', '--db', db.url], c.io)).toBe(0);
      expect(c.out.stdout).toMatch(new RegExp(`version ${expected} \\(active\\)`));
      expect(c.out.stdout).toMatch(/decisions used: 124 \(42 rejected, 82 approved\)/);
      expect(c.out.stdout).toMatch(/toxicity +AUC base 0\.\d{3} +adapted 0\.\d{3}/);
      expect(c.out.stdout).toMatch(/activated: the adapted toxicity beats the base/);
    }
    c = capture();
    expect(await main(['adapt', 'activate', '--site', 'news', '--version', '1', '--db', db.url], c.io)).toBe(0);
    c = capture();
    expect(await main(['adapt', 'status', '--site', 'news', '--db', db.url, '--json'], c.io)).toBe(0);
    const status = JSON.parse(c.out.stdout);
    expect(status).toMatchObject({ siteId: 'news', labels: 124, activeVersion: 1 });
    expect(status.versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([[2, false], [1, true]]);
    c = capture();
    expect(await main(['adapt', 'activate', '--site', 'news', '--version', '7', '--db', db.url], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/MOD_ERR_NOT_FOUND/);

    // score --site: the site's active adapter scores and is named.
    const input = path.join(fx.dir, `${kind}-score.jsonl`);
    fs.writeFileSync(input, '{"id":"s1","text":"You absolute idiot."}\n');
    c = capture();
    expect(await scoreCommand([input, '--site', 'news', '--db', db.url], c.io, { scorer: fx.scorer })).toBe(0);
    expect(JSON.parse(c.out.stdout.trim()).adapter).toEqual({ siteId: 'news', version: 1 });
    c = capture();
    expect(await scoreCommand([input, '--site', 'elsewhere', '--db', db.url], c.io, { scorer: fx.scorer })).toBe(0);
    expect(JSON.parse(c.out.stdout.trim()).adapter).toBeNull();
  });
});

describe('moderato adapt: bad input and interruption', () => {
  it.each([
    ['a missing file', ['adapt', 'import', '--site', 's', '--db', 'sqlite::memory:', '/nonexistent/decisions.jsonl'], /MOD_ERR_INPUT: Cannot read/],
    ['no --site', ['adapt', 'train', '--db', 'sqlite::memory:'], /MOD_ERR_INPUT: --site SITE is required/],
    ['a bad --version', ['adapt', 'activate', '--site', 's', '--version', 'two', '--db', 'sqlite::memory:'], /MOD_ERR_INPUT: --version/],
    ['an unknown option', ['adapt', 'train', '--site', 's', '--frobnicate'], /MOD_ERR_INPUT/],
    ['a bad serve --mode', ['serve', '--mode', 'turbo'], /MOD_ERR_INPUT: --mode must be one of fast, accurate, cascade/],
  ])('exits 1 with MOD_ERR_INPUT on %s', async (_what, argv, message) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(1);
    expect(c.out.stderr).toMatch(message);
  });

  it('exits 1 when no line of the file is usable, naming the bad lines', async () => {
    const file = path.join(fx.dir, 'all-bad.jsonl');
    fs.writeFileSync(file, '{"id":"a"}\n[1,2]\n\n{"id":"b","text":"x","decision":"reject","category":"rudeness"}\n');
    const c = capture();
    expect(await main(['adapt', 'import', '--site', 's', '--db', `sqlite:${path.join(fx.dir, 'unused.db')}`, file], c.io)).toBe(1);
    expect(c.out.stderr).toMatch(/line 1: MOD_ERR_INPUT: text: /);
    expect(c.out.stderr).toMatch(/line 2: MOD_ERR_INPUT/);
    expect(c.out.stderr).toMatch(/line 4: MOD_ERR_INPUT: category/);
    expect(c.out.stderr).toMatch(/MOD_ERR_INPUT: .* holds no usable decision \(3 bad line\(s\)/);
  });

  it('lists the adapt commands in --help', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out.stdout).toMatch(/adapt import --site SITE/);
    expect(c.out.stdout).toMatch(/adapt train\|status --site SITE/);
    expect(c.out.stdout).toMatch(/adapt activate --site SITE --version/);
  });

  it('leaves the previous version active when `adapt train` is killed midway', async () => {
    const url = `sqlite:${path.join(fx.dir, 'killed.db')}`;
    const store = await openStore(url);
    try {
      await importSimulated(store, 'k', 90, 1);
      expect(await main(['adapt', 'train', '--site', 'k', '--db', url], capture().io)).toBe(0);
      // Active whatever the gate said of 90 decisions: the point is what a killed fit leaves.
      expect(await main(['adapt', 'activate', '--site', 'k', '--version', '1', '--db', url], capture().io)).toBe(0);
      // Enough labels that the fit runs for seconds: the kill lands inside it.
      await importSimulated(store, 'k', 6000, 2);
    } finally {
      await store.close();
    }
    const child = spawn(process.execPath, [BIN, 'adapt', 'train', '--site', 'k', '--db', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    await new Promise<void>((res) => child.stderr.on('data', (b: Buffer) => ((err += b.toString()), /fitting the adapter/.test(err) && res())));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await exited;
    expect(out).toBe('');
    const after = await openStore(url);
    try {
      expect((await after.adapterVersions('k')).map((v) => [v.version, v.active])).toEqual([[1, true]]);
      expect((await after.getAdapter('k'))!.version).toBe(1);
    } finally {
      await after.close();
    }
  });
});

describe('moderato adapt: the report says per attribute what is applied', () => {
  const version = (auc: object, activated: boolean, extra: object = {}) => ({
    siteId: 's', version: 3, active: activated, createdBy: null, createdAt: '2026-12-07T00:00:00.000Z', activatedAt: null,
    report: { decisions: 400, positives: 120, auc, activated, margin: 0.01, suggestedThreshold: null, curve: [], ...extra },
  });

  it('names an off_topic head applied alone, with toxicity held back and why', () => {
    const text = formatReport(version({ toxicity: { base: 0.8, adapted: 0.802, z: 0.3, strength: 0 }, off_topic: { base: 0.7, adapted: 0.76, z: 2, strength: 0.5 } }, true, { significance: { se: 0.007, z: 0.3, minZ: 1, fullZ: 2.5 } }));
    expect(text).toMatch(/toxicity +AUC base 0\.800 +adapted 0\.802 +\(cross-validated\); held back/);
    expect(text).toMatch(/off_topic +AUC base 0\.700 +adapted 0\.760 +\(cross-validated\); applied at strength 0\.5/);
    expect(text).toMatch(/activated for off_topic; toxicity held back \(the base scores it\): the gain 0\.002 is below the margin 0\.01/);
  });

  it('says a site with only off-topic labels has no toxicity head', () => {
    const text = formatReport(version({ off_topic: { base: 0.7, adapted: 0.8, z: 4, strength: 1 } }, true));
    expect(text).toMatch(/off_topic .*; applied$/m);
    expect(text).toMatch(/activated for off_topic; toxicity held back \(the base scores it\): too few approvals or rejections for a toxicity head/);
  });

  it('names the base models the heads apply over, and the decisions other models scored', () => {
    const base = { toxicity: 'moderato-toxicity-heads 1.2.0', off_topic: 'offtopic 3.4.0' };
    const text = formatReport(version({ toxicity: { base: 0.8, adapted: 0.85, z: 3, strength: 1 } }, true, { base, otherBase: { toxicity: 0, off_topic: 57 } }));
    expect(text).toMatch(/fitted over moderato-toxicity-heads 1\.2\.0 and offtopic 3\.4\.0: its heads apply only over these models/);
    expect(text).toMatch(/left out, scored by other models: 0 decision\(s\) of the toxicity heads, 57 of the off_topic head/);
    expect(formatReport(version({ toxicity: { base: 0.8, adapted: 0.85 } }, true))).not.toMatch(/fitted over|left out/);
  });

  it('reads an adapter fitted before per-attribute gates as before', () => {
    const text = formatReport(version({ toxicity: { base: 0.8, adapted: 0.85 } }, true));
    expect(text).toMatch(/toxicity +AUC base 0\.800 +adapted 0\.850 +\(cross-validated\)$/m);
    expect(text).toMatch(/activated: the adapted toxicity beats the base by 0\.050/);
  });
});
