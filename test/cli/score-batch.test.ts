/**
 * `moderato score` as a batch tool, through the built CLI: every core, safe output, --resume
 * after a kill, clear errors, the archive formats.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openStore } from '../../src/queue';
import { writeIdentityHeads } from '../heads';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'moderato.js');
const ARCH = path.join(ROOT, 'test', 'fixtures', 'archives');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: os.tmpdir(), timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WORDS = ['harbour', 'bridge', 'council', 'idiot', 'ferry', 'market', 'stupid', 'budget', 'great', 'news', 'moron', 'lovely'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-batch-cli-'));
/** 4,000 comments, a thread every 500 lines. */
const big = path.join(dir, 'big.jsonl');
fs.writeFileSync(
  big,
  Array.from({ length: 4000 }, (_, i) =>
    i % 500 === 7
      ? JSON.stringify({ article: { id: `a${i}`, title: 'Footbridge approved' }, comments: [{ id: `t${i}a`, text: 'Good news for cyclists.' }, { id: `t${i}b`, text: 'You stupid idiot.', parentId: `t${i}a` }] })
      : JSON.stringify({ id: `c${i}`, text: `${WORDS[i % 12]} ${WORDS[(i * 5) % 12]} ${WORDS[(i * 7) % 12]} number ${i}` }),
  ).join('\n') + '\n',
);

describe('moderato score --workers', () => {
  let one: string;
  it('gives the same output with 1 and 2 workers, in input order', () => {
    const a = run(['score', big, '--workers', '1', '--output', path.join(dir, 'w1.jsonl')]);
    const b = run(['score', big, '--workers', '2', '--output', path.join(dir, 'w2.jsonl')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(b.stderr).toMatch(/scored 4008 comments .* on 2 worker/);
    one = fs.readFileSync(path.join(dir, 'w1.jsonl'), 'utf8');
    expect(fs.readFileSync(path.join(dir, 'w2.jsonl'), 'utf8')).toBe(one);
    const ids = one.trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids.slice(0, 9)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 't7a', 't7b']);
    expect(ids).toHaveLength(4008);
  });

  it('--resume after SIGKILL mid-run finishes with the same output: nothing skipped, nothing doubled', async () => {
    const out = path.join(dir, 'killed.jsonl');
    const child = spawn(process.execPath, [BIN, 'score', big, '--workers', '2', '--output', out], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill once some results (but not all) are on disk.
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const size = fs.existsSync(out + '.partial') ? fs.statSync(out + '.partial').size : 0;
      if (size > 20_000) break;
    }
    child.kill('SIGKILL');
    await exited;
    expect(fs.existsSync(out)).toBe(false);
    const partial = fs.readFileSync(out + '.partial', 'utf8').split('\n').length - 1;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(4008);
    const r = run(['score', big, '--workers', '2', '--output', out, '--resume']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`resuming .*: ${partial} results already there`));
    expect(fs.readFileSync(out, 'utf8')).toBe(one);
    expect(fs.existsSync(out + '.partial')).toBe(false);
    // Resuming a finished output scores nothing and leaves it as it was.
    const again = run(['score', big, '--output', out, '--resume']);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(one);
  });
});

describe('moderato score: safe output and clear errors (issue 13 regressions)', () => {
  it('--output naming the input is refused and the input is left intact', () => {
    const copy = path.join(dir, 'input.jsonl');
    fs.copyFileSync(big, copy);
    const r = run(['score', copy, '--output', copy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_INPUT: --output .* is the input/);
    expect(fs.readFileSync(copy, 'utf8')).toBe(fs.readFileSync(big, 'utf8'));
  });

  it('--output in a missing folder is MOD_ERR_INPUT, not a stack trace', () => {
    const r = run(['score', big, '--output', path.join(dir, 'no', 'such', 'out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_INPUT: cannot write --output .*does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a CSV without a "text" column is MOD_ERR_INPUT with a non-zero exit', () => {
    const csv = path.join(dir, 'notext.csv');
    fs.writeFileSync(csv, 'id,body\n1,hello\n2,you idiot\n');
    const r = run(['score', csv]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_INPUT: .*notext\.csv has no "text" column/);
    expect(r.stdout).toBe('');
  });

  it('a file where nothing could be scored is MOD_ERR_INPUT with a non-zero exit, and leaves no output', () => {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, 'not json\n{"id":"x"}\n');
    const out = path.join(dir, 'bad-out.jsonl');
    const r = run(['score', bad, '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_INPUT: nothing could be scored in .*bad\.jsonl: all 2 line\(s\) were malformed/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(out + '.partial')).toBe(false);
  });

  it.each([
    [['--workers', '0'], /--workers must be a whole number/],
    [['--resume'], /--resume needs --output/],
    [['--format', 'xls'], /--format must be one of jsonl, json, csv, disqus, wxr/],
  ])('%j is a clear MOD_ERR_INPUT', (args, message) => {
    const r = run(['score', big, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('moderato score on archive exports', () => {
  it('scores a folder holding a Disqus and a WordPress export, threads in context, in order', () => {
    const r = run(['score', ARCH, '--workers', '1']);
    expect(r.code).toBe(0);
    const results = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(results.map((x) => x.id)).toEqual(['7001', '7002', '7003', '7005', '7101', '7102', '301', '303', '304', '401']);
    expect(results[0]).toMatchObject({ threadId: '5001', threadTitle: 'City council approves new footbridge over the harbour', createdAt: '2026-03-02T09:15:00Z' });
    for (const x of results) expect(typeof x.offTopic).toBe('number');
    const byId = Object.fromEntries(results.map((x) => [x.id, x]));
    expect(byId['7003'].flagged).toBe(true);
    expect(byId['304'].flagged).toBe(true);
  });
});

describe('moderato score --ingest', () => {
  it('puts the comments the queue policy holds (and its audit sample) into the moderation queue, once', async () => {
    const url = `sqlite:${path.join(dir, 'queue', 'q.db')}`;
    const r = run(['score', ARCH, '--workers', '1', '--ingest', '--queue', url]);
    expect(r.code).toBe(0);
    const m = /(\d+) held comment\(s\) and (\d+) audit sample\(s\) put into the moderation queue, (\d+) stored as published\n/.exec(r.stderr);
    const [held, audit, published] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
    expect(held).toBeGreaterThanOrEqual(2);
    const scored = Number(/scored (\d+) comments/.exec(r.stderr)?.[1]);
    expect(held + audit + published).toBe(scored);
    const again = run(['score', ARCH, '--workers', '1', '--ingest', '--queue', url]);
    expect(again.stderr).toMatch(new RegExp(`0 held comment\\(s\\) and 0 audit sample\\(s\\) put into the moderation queue, 0 stored as published \\(${scored} were there already\\)`));
    // The second run answers what the first stored: the same lines.
    expect(again.stdout).toBe(r.stdout);
    const store = await openStore(url);
    try {
      const page = await store.listQueue({ status: 'pending', limit: 100 });
      expect(page.items).toHaveLength(held + audit);
      const byId = Object.fromEntries(page.items.map((c) => [c.id, c]));
      expect(byId['7003']).toMatchObject({ status: 'pending', audit: false, category: 'insult', threadId: '5001', text: 'Shut up, you stupid troll.\nNobody asked for your pathetic opinion.' });
      expect(byId['7003'].article?.title).toBe('City council approves new footbridge over the harbour');
      expect(byId['304']).toMatchObject({ status: 'pending', threadId: '41' });
    } finally {
      await store.close();
    }
  });
});

describe('moderato score --mode', () => {
  const small = path.join(dir, 'small.jsonl');
  fs.writeFileSync(small, Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `m${i}`, text: `${WORDS[i % 12]} ${WORDS[(i * 5) % 12]} number ${i}` })).join('\n') + '\n');

  it.each([
    [['--mode', 'slow'], /MOD_ERR_INPUT: --mode must be one of fast, accurate, cascade, got "slow"/],
    [['--mode', 'fast', '--site', 'example.org'], /MOD_ERR_INPUT: --site needs --mode accurate/],
  ])('%j is a clear MOD_ERR_INPUT', (args, message) => {
    const r = run(['score', small, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('accurate runs the heads on the sentence encoder in the pool threads; fast the convolutional model alone (identity heads: the same scores)', () => {
    const heads = writeIdentityHeads();
    try {
      const fast = run(['score', small, '--workers', '1', '--mode', 'fast']);
      const accurate = run(['score', small, '--workers', '2', '--mode', 'accurate', '--model', heads.dir]);
      expect([fast.code, accurate.code, accurate.stderr.match(/MOD_ERR_\w+.*/)?.[0]]).toEqual([0, 0, undefined]);
      const f = fast.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const a = accurate.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(a.map((x) => x.id)).toEqual(f.map((x) => x.id));
      for (let i = 0; i < f.length; i++) expect(a[i].toxicity).toBeCloseTo(f[i].toxicity, 3);
      // A fast model asked to be accurate is refused, not silently used.
      const wrong = run(['score', small, '--mode', 'accurate', '--model', path.join(ROOT, 'models', 'toxicity')]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/MOD_ERR_CONFIG: scorer mode accurate needs/);
    } finally {
      heads.remove();
    }
  }, 120_000);
});
