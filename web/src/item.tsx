/** One queue item in full: the comment with its spans, why it was held, its context and history. */
import { useEffect, useState } from 'preact/hooks';
import type { Ref } from 'preact';
import { CATEGORIES, type Category, type Reason, type Span } from '../../src/types';
import { api, ApiError, type CommentWithHistory, type DecisionAction, type StoredComment } from './api';
import { segments } from './segments';

/** How each span type is named on the page (and in the legend). */
export const TYPE_LABEL: Record<Category, string> = { insult: 'Insult', threat: 'Threat', identity_attack: 'Identity attack', profanity: 'Profanity', other: 'Other' };

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(2));

/** The comment as text, each span a `<mark>` over exactly `text.slice(start, end)`. */
export function CommentText({ text, spans }: { text: string; spans: readonly Span[] }) {
  return (
    <p class="comment-text" data-testid="comment-text">
      {segments(text, spans).map((s) =>
        s.span ? (
          <mark class={`span t-${s.span.type}`} data-type={s.span.type} data-start={s.start} data-end={s.end} title={`${TYPE_LABEL[s.span.type]} · score ${pct(s.span.score)}`}>
            {s.text}
          </mark>
        ) : (
          s.text
        ),
      )}
    </p>
  );
}

/**
 * The words behind an off-topic or drift reason (issue 15): for off topic, the comment's salient
 * words beside the article's (or, without an article, the thread's); for drift, the words the
 * comment shares with the one it follows beside that comment's own.
 */
export function ReasonTerms({ reason, hasArticle }: { reason: Reason; hasArticle: boolean }) {
  if ((reason.code !== 'off_topic' && reason.code !== 'drift') || !reason.terms?.length) return null;
  const [own, other] = reason.code === 'off_topic'
    ? ["The comment's words", hasArticle ? "The article's words" : "The thread's words"]
    : [`Shared with ${reason.parentId ?? 'the comment it follows'}`, `${reason.parentId ?? 'That comment'}'s words`];
  const list = (label: string, words: readonly string[] | undefined, role: string) =>
    words?.length ? (
      <span class="term-list" data-role={role}>
        {label}: {words.map((w) => <span class="term">{w}</span>)}
      </span>
    ) : null;
  return (
    <div class="reason-terms" data-testid="reason-terms" data-code={reason.code}>
      {list(own, reason.terms, 'comment')}
      {list(other, reason.contextTerms, 'context')}
    </div>
  );
}

/** The span legend: colour and line style, so colour is never the only marker. */
export function Legend() {
  return (
    <ul class="legend" aria-label="Span types">
      {CATEGORIES.map((c) => (
        <li>
          <mark class={`span t-${c}`}>{TYPE_LABEL[c]}</mark>
        </li>
      ))}
    </ul>
  );
}

interface Context {
  parent: StoredComment | null;
  authorComments: StoredComment[];
}

/** The item pane: everything a moderator needs to decide one comment. `noteRef` is the note's textarea, read by the decision keys. */
export function ItemPane({ id, onDecide, noteRef, reasonRef }: { id: string; onDecide: (a: DecisionAction) => void; noteRef: Ref<HTMLTextAreaElement>; reasonRef?: Ref<HTMLSelectElement> }) {
  const [item, setItem] = useState<CommentWithHistory | null>(null);
  const [ctx, setCtx] = useState<Context | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setItem(null);
    setCtx(null);
    setError(null);
    Promise.all([api<CommentWithHistory>('GET', `/v1/comments/${encodeURIComponent(id)}`), api<Context>('GET', `/v1/comments/${encodeURIComponent(id)}/context`)]).then(
      ([c, x]) => {
        if (!live) return;
        setItem(c);
        setCtx(x);
      },
      (e) => live && setError(e instanceof ApiError ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);

  if (error) return <section class="item" aria-label="Item"><p role="alert" class="error">{error}</p></section>;
  // Until the effect above has run for a new id, `item` is still the previous one: never show it
  // (a key pressed then would decide the selected item while the pane showed another).
  if (!item || item.id !== id) return <section class="item" aria-label="Item"><p class="loading">Loading…</p></section>;
  const cats = CATEGORIES.map((c) => [c, item.scores.categories[c] ?? 0] as const).sort((a, b) => b[1] - a[1]);
  return (
    <section class="item" aria-labelledby="item-title" data-testid="item" data-id={item.id}>
      <h2 id="item-title">
        {item.category ?? 'not held'} · score {pct(item.score)} <span class={`status s-${item.status}`}>{item.status}</span>
        {item.audit && <> <span class="audit" data-testid="audit" title="Audit sample: the policy would have published it; your decision tells the site's adapter what it misses">audit sample</span></>}
      </h2>
      <p class="meta">
        {item.author ? <>by <strong>{item.author}</strong> · </> : null}
        {new Date(item.createdAt).toLocaleString()}
        {item.threadId ? <> · thread <code>{item.threadId}</code></> : null}
        {item.siteId ? <> · site <code>{item.siteId}</code></> : null}
      </p>
      {item.article?.title ? <p class="article">On <cite>{item.article.title}</cite></p> : null}
      {ctx?.parent ? (
        <figure class="parent">
          <figcaption>In reply to {ctx.parent.author ?? 'a comment'}:</figcaption>
          <blockquote>{ctx.parent.text}</blockquote>
        </figure>
      ) : null}
      <CommentText text={item.text} spans={item.spans} />
      <Legend />
      {item.spans.length > 0 && (
        <table class="spans">
          <caption>Flagged spans</caption>
          <thead><tr><th scope="col">Text</th><th scope="col">Type</th><th scope="col">Characters</th><th scope="col">Score</th></tr></thead>
          <tbody>
            {item.spans.map((s) => (
              <tr><td>{s.text}</td><td>{TYPE_LABEL[s.type]}</td><td>{s.start}–{s.end}</td><td>{pct(s.score)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Why it was held</h3>
      <ul class="reasons">
        {item.scores.reasons.length ? item.scores.reasons.map((r) => <li>{r.message}<ReasonTerms reason={r} hasArticle={!!item.article} /></li>) : <li>{item.audit ? 'Not held by the policy: an audit sample (a share of what it publishes, checked by a moderator).' : 'No reason recorded (held by policy thresholds).'}</li>}
      </ul>
      <p class="scores">
        toxicity {pct(item.scores.toxicity)} · {cats.map(([c, s]) => `${TYPE_LABEL[c].toLowerCase()} ${pct(s)}`).join(' · ')} · off-topic {pct(item.scores.offTopic)}
      </p>
      <div class="decide">
        <label for="note">Note (optional)</label>
        <textarea id="note" ref={noteRef} rows={2} maxLength={2000} />
        {/* The reason travels with the decision: the site's adapter learns its category heads from it. */}
        <label for="reason">Reason (optional)</label>
        <select id="reason" ref={reasonRef}>
          <option value="">none given</option>
          {[...CATEGORIES, 'toxicity', 'off_topic'].map((c) => <option value={c}>{c}</option>)}
        </select>
        <div class="buttons">
          <button type="button" class="approve" onClick={() => onDecide('approve')}>Approve <kbd>a</kbd></button>
          <button type="button" class="reject" onClick={() => onDecide('reject')}>Reject <kbd>r</kbd></button>
          <button type="button" class="escalate" disabled={item.status === 'escalated'} onClick={() => onDecide('escalate')}>Escalate <kbd>e</kbd></button>
        </div>
      </div>
      {ctx && ctx.authorComments.length > 0 && (
        <>
          <h3>{item.author}'s other comments in this thread</h3>
          <ul class="others">
            {ctx.authorComments.map((c) => (
              <li><span class={`status s-${c.status}`}>{c.status}</span> {c.text}</li>
            ))}
          </ul>
        </>
      )}
      <h3>Decision history</h3>
      {item.decisions.length === 0 ? (
        <p>No decisions yet.</p>
      ) : (
        <table class="history">
          <thead><tr><th scope="col">When</th><th scope="col">Moderator</th><th scope="col">Action</th><th scope="col">Note</th></tr></thead>
          <tbody>
            {item.decisions.map((d) => (
              <tr><td>{new Date(d.createdAt).toLocaleString()}</td><td>{d.moderator ?? d.moderatorId}</td><td>{d.action}</td><td>{d.note ?? ''}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
