/**
 * Comment exports in XML, read as a stream with htmlparser2 (xmlMode), each article a thread:
 *
 * - **Disqus** (`<disqus>`): `<thread dsq:id>` gives the article (`title`, `link`, `message`
 *   as body, `author/username`); each `<post dsq:id>` a comment: `message` (HTML, to text),
 *   `author/username` (else `author/name`), `createdAt`, `<thread dsq:id>` its article,
 *   `<parent dsq:id>` its parent. Posts with `isDeleted` true are left out. Posts of one thread
 *   are spread over the file, so the export is held in memory (grouped by thread) until its end.
 * - **WordPress WXR** (`<rss>` with `wp:` elements): each `<item>` is an article (`title`,
 *   `link`, `content:encoded` as body, `dc:creator`, `wp:post_id`) with its `<wp:comment>`s:
 *   `wp:comment_id`, `wp:comment_content`, `wp:comment_author`, `wp:comment_date_gmt`,
 *   `wp:comment_parent` (0: none). Pingbacks, trackbacks and trashed comments are left out.
 *   Streamed item by item.
 *
 * A thread's comments are ordered oldest first (by their dates, export order among equals); a
 * parent id that names no comment of the thread (a deleted one) is dropped.
 */
import { Parser } from 'htmlparser2';
import type { Readable } from 'stream';
import type { Article, CommentInput } from '../types';
import type { InputItem } from './input';
import { LIMITS } from '../limits';


/** Tells a Disqus export from a WordPress one by the start of the file; undefined for neither. */
export function sniffXml(head: string): 'disqus' | 'wxr' | undefined {
  if (/<disqus[\s>]/.test(head)) return 'disqus';
  if (/<rss[\s>]/.test(head) && /xmlns:wp=|<wp:/.test(head)) return 'wxr';
  return undefined;
}

const BLOCK = new Set(['p', 'br', 'div', 'li', 'blockquote', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'hr']);

/** HTML (a Disqus message, a WordPress comment) to plain text: tags dropped, entities decoded, blocks on their own lines. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html.trim();
  let out = '';
  const p = new Parser(
    {
      ontext: (t) => (out += t),
      onopentagname: (n) => {
        if (BLOCK.has(n) && out !== '' && !out.endsWith('\n')) out += '\n';
      },
      onclosetag: (n) => {
        if (BLOCK.has(n) && out !== '' && !out.endsWith('\n')) out += '\n';
      },
    },
    { decodeEntities: true },
  );
  p.write(html);
  p.end();
  return out.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** Orders a thread oldest first and drops parent links that lead nowhere. */
function finishThread(article: Article, raw: CommentInput[], line: number): InputItem {
  const withIndex = raw.map((c, i) => ({ c, i }));
  withIndex.sort((a, b) => (a.c.createdAt ?? '').localeCompare(b.c.createdAt ?? '') || a.i - b.i);
  const ids = new Set(raw.map((c) => c.id));
  const comments: CommentInput[] = withIndex.map(({ c }) => ({
    id: c.id,
    text: c.text,
    parentId: c.parentId && ids.has(c.parentId) ? c.parentId : undefined,
    threadId: c.threadId,
    author: c.author,
    ...(c.createdAt ? { createdAt: c.createdAt } : {}),
  }));
  return { kind: 'thread', line, article, comments };
}

type Handlers = {
  open(name: string, attrs: Record<string, string>, path: string[]): void;
  close(name: string, text: string, path: string[]): void;
};

/** Streams `stream` through an XML parser, calling `h` and yielding what it queued after each chunk. */
async function* parseXml<T>(stream: Readable, make: (emit: (x: T) => void, line: () => number) => Handlers): AsyncGenerator<T> {
  const queue: T[] = [];
  const path: string[] = [];
  const texts: string[] = [];
  let lines = 1;
  const h = make((x) => queue.push(x), () => lines);
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        path.push(name);
        texts.push('');
        h.open(name, attrs, path);
      },
      ontext(t) {
        // Bounded: an element's text beyond the line cap is over every limit anyway (withinLimits skips it).
        if (texts.length && texts[texts.length - 1]!.length <= LIMITS.maxLineBytes) texts[texts.length - 1] += t;
      },
      onclosetag(name) {
        const text = texts.pop() ?? '';
        h.close(name, text, path);
        path.pop();
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeCDATA: true },
  );
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
    parser.write(chunk);
    while (queue.length) yield queue.shift()!;
  }
  parser.end();
  while (queue.length) yield queue.shift()!;
}

/** Disqus: threads first, posts after (in any order); everything is grouped at the end. */
async function* readDisqus(stream: Readable): AsyncGenerator<InputItem> {
  const threads = new Map<string, { article: Article; posts: CommentInput[]; line: number }>();
  const thread = (id: string, line: number) => {
    let t = threads.get(id);
    if (!t) threads.set(id, (t = { article: { id }, posts: [], line }));
    return t;
  };
  const events = parseXml<never>(stream, (_emit, line) => {
    let rec: { kind: 'thread' | 'post'; id: string; f: Record<string, string> } | null = null;
    return {
      open(name, attrs, path) {
        if (path.length === 2 && (name === 'thread' || name === 'post')) rec = { kind: name, id: attrs['dsq:id'] ?? '', f: {} };
        else if (rec && path.length === 3 && (name === 'thread' || name === 'parent')) rec.f[name] = attrs['dsq:id'] ?? '';
      },
      close(name, text, path) {
        if (!rec) return;
        if (path.length === 2) {
          const r = rec;
          rec = null;
          const f = r.f;
          if (r.kind === 'thread') {
            const t = thread(r.id, line());
            t.article = { id: r.id, title: f.title || f.link || undefined, body: f.message ? htmlToText(f.message) : undefined, author: f['author/username'] || f['author/name'] || undefined };
          } else if (f.isDeleted !== 'true' && f.thread) {
            thread(f.thread, line()).posts.push({
              id: r.id || f.id,
              text: htmlToText(f.message ?? ''),
              parentId: f.parent || undefined,
              threadId: f.thread,
              author: f['author/username'] || f['author/name'] || undefined,
              createdAt: f.createdAt || undefined,
            });
          }
        } else {
          const key = path.slice(2).join('/');
          if (!(key in rec.f)) rec.f[key] = key === 'message' ? text : text.trim();
        }
      },
    };
  });
  for await (const _ of events) void _;
  for (const [, t] of threads) if (t.posts.length) yield finishThread(t.article, t.posts, t.line);
}

/** WordPress WXR: one `<item>` (article with its comments) at a time. */
function readWxr(stream: Readable): AsyncGenerator<InputItem> {
  return parseXml<InputItem>(stream, (emit, line) => {
    let item: { f: Record<string, string>; comments: CommentInput[]; line: number } | null = null;
    let c: Record<string, string> | null = null;
    return {
      open(name, _attrs, path) {
        if (name === 'item' && path.length === 3) item = { f: {}, comments: [], line: line() };
        else if (item && name === 'wp:comment' && path.length === 4) c = {};
      },
      close(name, text, path) {
        if (!item) return;
        if (name === 'item' && path.length === 3) {
          const f = item.f;
          const id = f['wp:post_id'] || f.guid || f.link;
          const article: Article = { id, title: f.title || undefined, body: f['content:encoded'] ? htmlToText(f['content:encoded']) : undefined, author: f['dc:creator'] || undefined };
          if (item.comments.length) emit(finishThread(article, item.comments.map((x) => ({ ...x, threadId: id })), item.line));
          item = null;
        } else if (c && name === 'wp:comment' && path.length === 4) {
          const type = c['wp:comment_type'] ?? '';
          if (type !== 'pingback' && type !== 'trackback' && c['wp:comment_approved'] !== 'trash') {
            const parent = c['wp:comment_parent'];
            item.comments.push({
              id: c['wp:comment_id'],
              text: htmlToText(c['wp:comment_content'] ?? ''),
              parentId: parent && parent !== '0' ? parent : undefined,
              author: c['wp:comment_author'] || undefined,
              createdAt: c['wp:comment_date_gmt'] && c['wp:comment_date_gmt'] !== '0000-00-00 00:00:00' ? c['wp:comment_date_gmt'].replace(' ', 'T') + 'Z' : undefined,
            });
          }
          c = null;
        } else if (c && path.length === 5) {
          c[name] = name === 'wp:comment_content' ? text : text.trim();
        } else if (!c && path.length === 4 && !(name in item.f)) {
          item.f[name] = name === 'content:encoded' ? text : text.trim();
        }
      },
    };
  });
}

/** Reads a Disqus or WordPress export as threads (see the module doc for the field mapping). */
export function readXmlExport(stream: Readable, format: 'disqus' | 'wxr'): AsyncGenerator<InputItem> {
  return format === 'disqus' ? readDisqus(stream) : readWxr(stream);
}
