/**
 * `moderato score --ingest` on SQLite and PostgreSQL goes through the queue's own ingest (the
 * HTTP path's rules): the policy's audit sample is queued marked `audit`, each line's `siteId`
 * (else `--site`) is stored and picks the site's adapter, the accurate mode stores features so
 * decisions become the site's labels, and a resumed run ingests nothing twice. The accurate
 * scorer (identity heads over the shipped model) is loaded once for the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { scoreCommand } from '../../src/cli/score';
import { SiteAdaptation } from '../../src/queue';
import { KINDS, importSimulated, eachTestStore } from '../queue/helpers';
import { accurateCliFixture, capture } from './fixture';

const fx = accurateCliFixture('moderato-score-ingest-');

const LINES = [
  { id: 'a1', text: 'Thanks, this explains the new timetable well.', siteId: 'news' },
  { id: 'a2', text: 'I think the council should publish the budget first.' },
  { id: 'a3', text: 'Shut up, you stupid troll. Nobody asked for your pathetic opinion.', siteId: 'news' },
  { article: { id: 'art1', title: 'Ferry timetable changes' }, comments: [{ id: 't1', text: 'The new ferry timetable suits commuters much better.' }, { id: 't2', text: 'You are a moron and so is the ferry board.', parentId: 't1', siteId: 'news' }] },
];
const IDS = ['a1', 'a2', 'a3', 't1', 't2'];
const SITES: Record<string, string> = { a1: 'news', a2: 'forum', a3: 'news', t1: 'forum', t2: 'news' };

const parse = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string; audit: boolean; flagged: boolean; adapter: unknown });

describe.each(KINDS)('moderato score --ingest on %s', (kind) => {
  const t = eachTestStore(kind);

  it('queues every would-publish comment as audit with auditShare 1, stores each line\'s site and its features, and a resumed run ingests nothing twice', async () => {
    await t.store.setPolicy({ thresholds: {}, auditShare: 1 }, { changedBy: 'test', source: 'test' });
    const input = path.join(fx.dir, `${kind}-in.jsonl`);
    fs.writeFileSync(input, LINES.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const output = path.join(fx.dir, `${kind}-out.jsonl`);
    let c = capture();
    expect(await scoreCommand([input, '--ingest', '--db', t.db.url, '--site', 'forum', '--output', output], c.io, { scorer: fx.scorer })).toBe(0);
    const first = fs.readFileSync(output, 'utf8');
    const results = parse(first);
    expect(results.map((r) => r.id)).toEqual(IDS);
    const held = results.filter((r) => !r.audit);
    const audit = results.filter((r) => r.audit);
    // Held: what the policy flags; every other comment would be published, so all of them are audit items.
    expect(held.map((r) => r.id)).toEqual(expect.arrayContaining(['a3']));
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(audit.every((r) => !r.flagged)).toBe(true);
    expect(results.every((r) => r.status === 'pending')).toBe(true);
    expect(c.out.stderr).toMatch(new RegExp(`${held.length} held comment\\(s\\) and ${audit.length} audit sample\\(s\\) put into the moderation queue, 0 stored as published`));

    const stored = await t.store.getComments(IDS);
    expect(Object.fromEntries(stored.map((s) => [s.id, [s.siteId, s.status, s.audit]]))).toEqual(
      Object.fromEntries(results.map((r) => [r.id, [SITES[r.id], 'pending', r.audit]])),
    );
    expect(stored.find((s) => s.id === 't2')).toMatchObject({ threadId: 'art1', parentId: 't1', article: { id: 'art1', title: 'Ferry timetable changes' } });

    // An interrupted run: the queue holds everything, the output only its first two lines. Resuming
    // re-sends whole units (the first one's written lines are dropped after scoring), answered as stored.
    fs.renameSync(output, output + '.partial');
    fs.writeFileSync(output + '.partial', first.split('\n').slice(0, 2).join('\n') + '\n');
    c = capture();
    expect(await scoreCommand([input, '--ingest', '--db', t.db.url, '--site', 'forum', '--output', output, '--resume'], c.io, { scorer: fx.scorer })).toBe(0);
    expect(c.out.stderr).toMatch(/0 held comment\(s\) and 0 audit sample\(s\) put into the moderation queue, 0 stored as published \(5 were there already\)/);
    expect(fs.readFileSync(output, 'utf8')).toBe(first);
    expect((await t.store.listQueue({ status: 'pending', limit: 100 })).items).toHaveLength(IDS.length);

    // Decisions on ingested comments are their site's labels, with the features stored at ingest (no re-embedding).
    const mod = { id: 'mod', name: null };
    await t.store.decide({ commentId: 'a1', action: 'approve', moderator: mod });
    await t.store.decide({ commentId: 'a3', action: 'reject', category: 'insult', moderator: mod });
    await t.store.decide({ commentId: 'a2', action: 'approve', moderator: mod });
    const news = await t.store.siteExamples('news');
    expect(news.map((e) => e.label)).toEqual([0, 1]);
    for (const e of news) expect(e.features.vector).toHaveLength(512);
    expect((await t.store.siteExamples('forum')).map((e) => e.label)).toEqual([0]);
  }, 60_000);

  it('scores each line with its site\'s active adapter, which implies the accurate mode', async () => {
    await importSimulated(t.store, 'news', 120);
    const fitted = await new SiteAdaptation(t.store, { refitEvery: 0 }).fit('news');
    expect(fitted.activated).toBe(true);
    const input = path.join(fx.dir, `${kind}-adapted.jsonl`);
    fs.writeFileSync(input, [{ id: 'n1', text: 'You absolute idiot.', siteId: 'news' }, { id: 'n2', text: 'You absolute idiot.' }].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const c = capture();
    expect(await scoreCommand([input, '--ingest', '--db', t.db.url], c.io, { scorer: fx.scorer })).toBe(0);
    expect(c.out.stderr).toMatch(/a site has an active adapter: scoring in the accurate mode/);
    const [n1, n2] = parse(c.out.stdout);
    expect([n1!.adapter, n2!.adapter]).toEqual([{ siteId: 'news', version: fitted.version.version }, null]);
    const stored = await t.store.getComments(['n1', 'n2']);
    expect(Object.fromEntries(stored.map((s) => [s.id, [s.siteId, s.adapter]]))).toEqual({ n1: ['news', { siteId: 'news', version: fitted.version.version }], n2: [null, null] });
  }, 60_000);
});
