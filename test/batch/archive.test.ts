import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { htmlToText, openArchive, type InputItem } from '../../src/batch';

const ARCH = path.join(__dirname, '..', 'fixtures', 'archives');
const FIX = path.join(__dirname, '..', 'fixtures');

async function collect(input: string, format?: 'disqus' | 'wxr'): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const it of openArchive(input, { format }).items) out.push(it);
  return out;
}

const threads = (items: InputItem[]) => items.filter((i): i is Extract<InputItem, { kind: 'thread' }> => i.kind === 'thread');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-archive-'));

describe('Disqus export', () => {
  it('makes one thread per article, posts oldest first, deleted posts left out, dangling parents dropped', async () => {
    const ts = threads(await collect(path.join(ARCH, 'disqus.xml')));
    expect(ts.map((t) => t.article)).toEqual([
      { id: '5001', title: 'City council approves new footbridge over the harbour', body: 'The council voted to approve a pedestrian footbridge linking the ferry terminal with the old market.', author: 'newsdesk' },
      { id: '5002', title: 'Ferry fares to rise by ten percent in April', author: 'newsdesk', body: undefined },
    ]);
    // 7003 comes before 7002 in the file but was posted later; 7004 is deleted, so 7005's parent link goes.
    expect(ts[0].comments.map((c) => [c.id, c.parentId, c.author])).toEqual([
      ['7001', undefined, 'ana_k'],
      ['7002', '7001', 'dee'],
      ['7003', '7002', 'carl99'],
      ['7005', undefined, 'fay'],
    ]);
    expect(ts[0].comments[2].text).toBe('Shut up, you stupid troll.\nNobody asked for your pathetic opinion.');
    expect(ts[0].comments[3].text).toBe('Will the council publish the design "before" construction starts?');
    expect(ts[1].comments.map((c) => [c.id, c.parentId, c.author, c.createdAt, c.threadId])).toEqual([
      ['7101', undefined, 'Ben', '2026-03-03T10:00:00Z', '5002'],
      ['7102', '7101', 'newsdesk', '2026-03-03T10:20:00Z', '5002'],
    ]);
    expect(ts[1].comments[0].text).toBe('Ten percent more for the same old boats & the same delays.');
  });
});

describe('WordPress WXR export', () => {
  it('makes one thread per post with comments; pingbacks and trash left out; pages without comments skipped', async () => {
    const ts = threads(await collect(path.join(ARCH, 'wordpress.xml')));
    expect(ts.map((t) => [t.article?.id, t.article?.title, t.article?.author])).toEqual([
      ['41', 'Market hall to reopen after repairs', 'editor'],
      ['57', 'Harbour swim race on Sunday', 'editor'],
    ]);
    expect(ts[0].article?.body).toBe('The old market hall reopens on Saturday after a year of roof repairs.');
    expect(ts[0].comments.map((c) => [c.id, c.parentId, c.author, c.createdAt])).toEqual([
      ['301', undefined, 'Gail', '2026-03-02T10:00:00Z'],
      ['303', '301', 'editor', '2026-03-02T11:00:00Z'],
      ['304', '303', 'Hal', '2026-03-02T12:00:00Z'],
    ]);
    expect(ts[0].comments[0].text).toBe('Great news, the stalls under the new roof will be lovely <3');
    expect(ts[0].comments[1].text).toBe('Thanks Gail, doors open at nine.');
    expect(ts[1].comments.map((c) => c.id)).toEqual(['401']);
  });

  it('reads the same from a gzip-compressed copy', async () => {
    const dir = tmp();
    const gz = path.join(dir, 'export.xml.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(path.join(ARCH, 'wordpress.xml'))));
    expect(await collect(gz)).toEqual(await collect(path.join(ARCH, 'wordpress.xml')));
  });
});

describe('openArchive', () => {
  it('reads .jsonl.gz like the plain file', async () => {
    const dir = tmp();
    const gz = path.join(dir, 'comments.jsonl.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(path.join(FIX, 'comments.jsonl'))));
    expect(await collect(gz)).toEqual(await collect(path.join(FIX, 'comments.jsonl')));
  });

  it('reads a folder in name order, recursing, each file in its own format, fallback ids prefixed with the file', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'a.jsonl'), '{"text":"first"}\n{"id":"x","text":"second"}\n');
    fs.writeFileSync(path.join(dir, 'b', 'c.csv'), 'text\nthird\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an archive');
    fs.writeFileSync(path.join(dir, 'd.jsonl.gz'), zlib.gzipSync('{"text":"fourth"}\nnot json\n'));
    const items = await collect(dir);
    expect(items.map((i) => (i.kind === 'comment' ? [i.comment.id, i.comment.text] : [i.kind, (i as { source?: string }).source]))).toEqual([
      ['a.jsonl:1', 'first'],
      ['x', 'second'],
      ['b/c.csv:2', 'third'],
      ['d.jsonl.gz:1', 'fourth'],
      ['error', 'd.jsonl.gz'],
    ]);
  });

  it.each([
    ['a missing file', (d: string) => path.join(d, 'nope.jsonl'), /cannot read .*no such file/],
    ['an empty folder', (d: string) => d, /holds no \.jsonl/],
    ['XML that is neither export', (d: string) => (fs.writeFileSync(path.join(d, 'x.xml'), '<?xml version="1.0"?><feed></feed>'), path.join(d, 'x.xml')), /neither a Disqus export/],
    ['a .gz that is not gzip', (d: string) => (fs.writeFileSync(path.join(d, 'x.xml.gz'), 'plain text'), path.join(d, 'x.xml.gz')), /not valid gzip/],
  ])('%s is MOD_ERR_INPUT', (_name, make, message) => {
    const dir = tmp();
    expect(() => openArchive(make(dir))).toThrow(expect.objectContaining({ code: 'MOD_ERR_INPUT', message: expect.stringMatching(message) }));
  });

  it('a corrupt .jsonl.gz is MOD_ERR_INPUT while reading', async () => {
    const dir = tmp();
    const gz = zlib.gzipSync(Buffer.from('{"text":"a"}\n'.repeat(1000)));
    fs.writeFileSync(path.join(dir, 'x.jsonl.gz'), gz.subarray(0, gz.length - 40));
    await expect(collect(path.join(dir, 'x.jsonl.gz'))).rejects.toMatchObject({ code: 'MOD_ERR_INPUT', message: expect.stringMatching(/gzip data is corrupt/) });
  });

  it('a CSV without a text column is MOD_ERR_INPUT naming its columns', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'x.csv'), 'id,body\n1,hello\n');
    await expect(collect(path.join(dir, 'x.csv'))).rejects.toMatchObject({ code: 'MOD_ERR_INPUT', message: expect.stringMatching(/no "text" column .*"id", "body"/) });
  });
});

describe("the HTTP API's per-comment limits, in every format", () => {
  const long = 'x'.repeat(10_001);
  it.each([
    ['JSONL', 'a.jsonl', JSON.stringify({ id: 'big', text: long }) + '\n' + JSON.stringify({ id: 'ok', text: 'fine' }) + '\n'],
    ['CSV', 'a.csv', `id,text\nbig,${long}\nok,fine\n`],
    ['a JSONL thread (skipped whole, as the API refuses the request)', 'a.jsonl', JSON.stringify({ comments: [{ id: 'big', text: long }, { id: 'sib', text: 'hi' }] }) + '\n' + JSON.stringify({ id: 'ok', text: 'fine' }) + '\n'],
    ['a comment id over 200 characters', 'a.jsonl', JSON.stringify({ id: 'i'.repeat(201), text: 'hi' }) + '\n' + JSON.stringify({ id: 'ok', text: 'fine' }) + '\n'],
  ])('%s: the comment over a limit is a problem on its line, the next is read', async (_what, name, body) => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, name), body);
    const items = await collect(path.join(dir, name));
    expect(items[0]).toMatchObject({ kind: 'error', line: name.endsWith('.csv') ? 2 : 1, message: expect.stringMatching(/^comment ".*"(\.\.\.)?: (text is 10,001 characters, over the 10,000|id is 201 characters, over the 200) allowed/) });
    expect(items.slice(1)).toEqual([expect.objectContaining({ kind: 'comment', comment: expect.objectContaining({ id: 'ok' }) })]);
  });

  it('a WordPress comment over the text limit makes its thread a problem', async () => {
    const dir = tmp();
    const wxr = fs.readFileSync(path.join(ARCH, 'wordpress.xml'), 'utf8').replace(/<wp:comment_content><!\[CDATA\[/, (m) => m + long);
    fs.writeFileSync(path.join(dir, 'w.xml'), wxr);
    const items = await collect(path.join(dir, 'w.xml'));
    expect(items.some((i) => i.kind === 'error' && /text is \d[\d,]* characters, over the 10,000 allowed/.test(i.message))).toBe(true);
    expect(items.some((i) => i.kind === 'thread')).toBe(true);
  });
});

describe('siteId (the site whose adapter scores a comment at ingest)', () => {
  it.each([
    ['JSONL', 'a.jsonl', [{ id: 'n', text: 'hi', siteId: 'news' }, { id: 'bad', text: 'hi', siteId: 'x\u0000y' }, { id: 'none', text: 'hi' }].map((l) => JSON.stringify(l)).join('\n') + '\n', 1],
    ['CSV', 'a.csv', 'id,text,siteId\nn,hi,news\nbad,hi,"x\u0001y"\nnone,hi,\n', 2],
  ])('%s: a line carries its siteId; one the HTTP API would refuse is a problem on its line', async (_what, name, body, first) => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, name), body);
    const items = await collect(path.join(dir, name));
    expect(items).toEqual([
      expect.objectContaining({ kind: 'comment', line: first, comment: expect.objectContaining({ id: 'n', siteId: 'news' }) }),
      expect.objectContaining({ kind: 'error', line: first + 1, message: expect.stringMatching(/siteId: A site id holds no control characters/) }),
      expect.objectContaining({ kind: 'comment', line: first + 2, comment: expect.not.objectContaining({ siteId: expect.anything() }) }),
    ]);
  });
});

describe('htmlToText', () => {
  it.each([
    ['<p>one</p><p>two</p>', 'one\ntwo'],
    ['a<br>b', 'a\nb'],
    ['5 &lt; 6 &amp;&amp; 7 &gt; 2', '5 < 6 && 7 > 2'],
    ['I <3 this', 'I <3 this'],
    ['<a href="https://x.example">link</a> and <em>emphasis</em>', 'link and emphasis'],
    ['plain text', 'plain text'],
  ])('%j -> %j', (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});
