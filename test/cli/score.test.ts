import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'moderato.js');
const FIX = path.join(ROOT, 'test', 'fixtures');

/** Runs the built CLI (npm test builds dist/ in `pretest`). */
function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', cwd: os.tmpdir(), timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonl(stdout: string): Array<Record<string, any>> {
  // Every stdout line must be JSON: nothing else may be printed there.
  return stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

describe('moderato CLI', () => {
  it('--help works', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/moderato score/);
  });

  it('scores a .json thread in order, with offTopic, flagging the insults only', () => {
    const r = run(['score', path.join(FIX, 'harbour-thread.json')]);
    expect(r.code).toBe(0);
    const results = jsonl(r.stdout);
    expect(results.map((x) => x.id)).toEqual(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
    const byId = Object.fromEntries(results.map((x) => [x.id, x]));
    for (const id of ['h1', 'h2', 'h5']) expect(byId[id].toxicity).toBeLessThan(0.5);
    for (const id of ['h3', 'h4']) {
      expect(byId[id].flagged).toBe(true);
      expect(byId[id].spans.length).toBeGreaterThan(0);
    }
    expect(byId.h3.spans.map((s: any) => s.text.toLowerCase()).join(' ')).toMatch(/idiot|moron/);
    for (const x of results) expect(typeof x.offTopic).toBe('number');
  });

  it('reports malformed JSONL lines with their numbers, carries on and keeps order', () => {
    const r = run(['score', path.join(FIX, 'comments.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/line 3: malformed JSON/);
    expect(r.stderr).toMatch(/line 4: not a comment/);
    expect(r.stderr).toMatch(/skipped 2 malformed line/);
    const results = jsonl(r.stdout);
    expect(results.map((x) => x.id)).toEqual(['a1', 'a2', 't1', 't2', 'a4']);
    expect(results[0].offTopic).toBeNull();
    expect(typeof results[2].offTopic).toBe('number');
    const a4 = results[4];
    expect(a4.spans.length).toBeGreaterThan(0);
  });

  it('--strict stops at the first malformed line with exit code 1', () => {
    const r = run(['score', '--strict', path.join(FIX, 'comments.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 3/);
    expect(jsonl(r.stdout).map((x) => x.id)).toEqual(['a1', 'a2']);
  });

  it('reads CSV with a text column and writes --output', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-')), 'out.jsonl');
    const r = run(['score', path.join(FIX, 'comments.csv'), '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const results = jsonl(fs.readFileSync(out, 'utf8'));
    expect(results.map((x) => x.id)).toEqual(['c1', 'c2']);
    expect(results[1].toxicity).toBeGreaterThan(results[0].toxicity);
  });

  it('reads JSONL from stdin', () => {
    const r = run(['score', '-'], '{"id":"s1","text":"hello there"}\n{"id":"s2","text":"you idiot"}\n');
    expect(r.code).toBe(0);
    expect(jsonl(r.stdout).map((x) => x.id)).toEqual(['s1', 's2']);
  });

  it('a missing file is a clear error, not a crash', () => {
    const r = run(['score', '/nonexistent/file.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MOD_ERR_INPUT: cannot read/);
  });
});
