/**
 * The queue: counts, filters, the list (paged by cursor as it scrolls), claiming a batch, and the
 * item under review. Keyboard first: j/k move, a/r/e decide, u undoes, c claims, ? lists keys.
 * A decision waits {@link UNDO_MS} before it is sent, so `u` can take it back; the next item
 * opens at once. The list polls every {@link POLL_MS}: new held comments appear, and items
 * decided or claimed by another moderator disappear.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { CATEGORIES } from '../../src/types';
import { api, ApiError, query, type DecisionAction, type QueuePage, type Stats, type StoredComment } from './api';
import { Help } from './help';
import { ItemPane } from './item';

/** How long a decision can be undone before it is sent. */
export const UNDO_MS = 4000;
/** How often the list and counts are refreshed. */
export const POLL_MS = 3000;
const PAGE = 100;
/** The most items one poll refreshes (the queue API's largest page). */
const LIVE_MAX = 500;
const CLAIM = 10;

type Filters = { status: 'pending' | 'escalated'; sort: 'age' | 'score' | 'offTopic'; category: string; threadId: string; siteId: string; minScore: string };
type Pending = { item: StoredComment; action: DecisionAction; note: string; reason: string; key: string; timer: ReturnType<typeof setTimeout> };

const LABEL: Record<DecisionAction, string> = { approve: 'Approved', reject: 'Rejected', escalate: 'Escalated' };

const snippet = (t: string) => (t.length > 140 ? t.slice(0, 140) + '…' : t);
/** Time left until `until`, as m:ss, ticking each second on its own (so the list does not re-render every second). */
function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const s = Math.max(0, Math.round((Date.parse(until) - now) / 1000));
  return <>{`${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`}</>;
}

/** The queue with the item under review; `me` is the signed-in key's id (its leases are "yours"). */
export function QueueView({ me }: { me: string }) {
  const [filters, setFilters] = useState<Filters>({ status: 'pending', sort: 'age', category: '', threadId: '', siteId: '', minScore: '' });
  const [items, setItems] = useState<StoredComment[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [stats, setStats] = useState<Stats | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [onlyMine, setOnlyMine] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const [toast, setToast] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  /** A decision the server refused; kept until the next decision (polling clears only load errors). */
  const [refused, setRefused] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const lastIndex = useRef(0);

  const params = (limit: number, c?: string | null) =>
    query({ status: filters.status, sort: filters.sort, category: filters.category, threadId: filters.threadId.trim(), siteId: filters.siteId.trim(), minScore: filters.minScore, limit, cursor: c });
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e));

  const visible = items.filter((i) => !hidden.has(i.id) && !(i.lease && i.lease.moderatorId !== me) && (!onlyMine || i.lease?.moderatorId === me));
  const index = visible.findIndex((i) => i.id === selected);

  // One state snapshot for the keyboard, timers and polling, which outlive a render.
  const live = useRef({ items, visible, index, cursor, pending, filters });
  live.current = { items, visible, index, cursor, pending, filters };

  const refreshStats = () => api<Stats>('GET', '/v1/stats').then(setStats, fail);
  /**
   * Reloads the list from the top, as long as it is now (at least one page, at most
   * {@link LIVE_MAX}), so polling keeps what was scrolled in. Past LIVE_MAX loaded items the
   * rest is kept as loaded: it refreshes as it moves up.
   */
  const reload = async (atLeast = PAGE) => {
    const n = Math.min(LIVE_MAX, Math.max(PAGE, atLeast));
    const page = await api<QueuePage>('GET', `/v1/queue${params(n)}`);
    const whole = atLeast <= n;
    setItems((prev) => {
      if (whole) return page.items;
      const fresh = new Set(page.items.map((i) => i.id));
      return [...page.items, ...prev.slice(n).filter((i) => !fresh.has(i.id))];
    });
    if (whole) setCursor(page.nextCursor);
    setLoaded(true);
    setError(null);
  };
  const loadMore = async () => {
    const c = live.current.cursor;
    if (!c) return;
    const page = await api<QueuePage>('GET', `/v1/queue${params(PAGE, c)}`);
    setItems((prev) => {
      const have = new Set(prev.map((p) => p.id));
      return [...prev, ...page.items.filter((p) => !have.has(p.id))];
    });
    setCursor(page.nextCursor);
  };

  useEffect(() => {
    setLoaded(false);
    reload().catch(fail);
    refreshStats();
  }, [filters]);

  useEffect(() => {
    const poll = setInterval(() => {
      reload(live.current.items.length).catch(fail);
      refreshStats();
    }, POLL_MS);
    return () => clearInterval(poll);
  }, [filters]);

  // Keep a selection: the same item if it is still there, else the one now at its place.
  useEffect(() => {
    if (index >= 0) {
      lastIndex.current = index;
      return;
    }
    const next = visible[Math.min(lastIndex.current, visible.length - 1)];
    setSelected(next ? next.id : null);
  }, [index, visible.length, visible[0]?.id]);

  useEffect(() => {
    if (!loaded) return;
    performance.mark('moderato:queue-interactive');
    document.body.dataset.queueReady = 'true';
  }, [loaded]);

  useEffect(() => {
    if (selected) document.getElementById(`row-${selected}`)?.scrollIntoView({ block: 'nearest' });
    if (noteRef.current) noteRef.current.value = '';
    if (reasonRef.current) reasonRef.current.value = '';
  }, [selected]);

  const send = async (p: Pending, keepalive = false) => {
    try {
      await api('POST', `/v1/comments/${encodeURIComponent(p.item.id)}/decision`, { action: p.action, ...(p.note ? { note: p.note } : {}), ...(p.reason ? { category: p.reason } : {}) }, { headers: { 'Idempotency-Key': p.key }, keepalive });
      setToast(`${LABEL[p.action]}: “${snippet(p.item.text).slice(0, 60)}” (saved)`);
      refreshStats();
    } catch (e) {
      setHidden((h) => new Set([...h].filter((x) => x !== p.item.id)));
      setToast('');
      setRefused(`Could not record the decision on ${p.item.id}: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };
  const flush = () => {
    const p = live.current.pending;
    if (!p) return;
    clearTimeout(p.timer);
    setPending(null);
    void send(p);
  };
  const decide = (action: DecisionAction) => {
    const { visible: v, index: i } = live.current;
    const item = v[i];
    if (!item) return;
    if (action === 'escalate' && item.status === 'escalated') return;
    flush();
    setRefused(null);
    const p: Pending = { item, action, note: noteRef.current?.value.trim() ?? '', reason: reasonRef.current?.value ?? '', key: crypto.randomUUID(), timer: setTimeout(() => {
      setPending((cur) => (cur === p ? null : cur));
      void send(p);
    }, UNDO_MS) };
    setPending(p);
    setHidden((h) => new Set(h).add(item.id));
    const next = v[i + 1] ?? v[i - 1];
    lastIndex.current = i;
    setSelected(next ? next.id : null);
    setToast(`${LABEL[action]}: “${snippet(item.text).slice(0, 60)}”. Press u to undo.`);
  };
  const undo = () => {
    const p = live.current.pending;
    if (!p) return;
    clearTimeout(p.timer);
    setPending(null);
    setHidden((h) => new Set([...h].filter((x) => x !== p.item.id)));
    setSelected(p.item.id);
    setToast(`Undone: ${p.item.id} is back in the queue.`);
  };
  const move = (d: number) => {
    const { visible: v, index: i, cursor: c } = live.current;
    if (!v.length) return;
    const to = Math.max(0, Math.min(v.length - 1, (i < 0 ? 0 : i) + d));
    setSelected(v[to]!.id);
    if (d > 0 && to >= v.length - 5 && c) loadMore().catch(fail);
  };
  const claim = async () => {
    try {
      const r = await api<{ items: StoredComment[]; leaseSeconds: number }>('POST', '/v1/queue/claim', { limit: CLAIM, status: live.current.filters.status });
      setToast(r.items.length ? `Claimed ${r.items.length} items for ${Math.round(r.leaseSeconds / 60)} min.` : 'Nothing left to claim.');
      if (r.items[0]) setSelected(r.items[0].id);
      await reload(live.current.items.length);
    } catch (e) {
      fail(e);
    }
  };
  const release = async () => {
    try {
      const r = await api<{ released: number }>('POST', '/v1/queue/release', {});
      setToast(`Released ${r.released} items.`);
      await reload(live.current.items.length);
    } catch (e) {
      fail(e);
    }
  };

  const keys = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keys.current = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) {
      if (e.key === 'Escape') t.blur();
      return;
    }
    const act: Record<string, () => void> = {
      j: () => move(1), k: () => move(-1), a: () => decide('approve'), r: () => decide('reject'), e: () => decide('escalate'),
      u: undo, c: () => void claim(), '?': () => setHelp((h) => !h), Escape: () => setHelp(false), n: () => noteRef.current?.focus(),
    };
    const f = act[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => keys.current(e);
    // A decision still waiting for its undo window goes out as the page closes.
    const onHide = () => {
      const p = live.current.pending;
      if (p) {
        clearTimeout(p.timer);
        void send(p, true);
      }
    };
    document.addEventListener('keydown', onKey);
    window.addEventListener('pagehide', onHide);
    return () => {
      document.removeEventListener('keydown', onKey);
      window.removeEventListener('pagehide', onHide);
    };
  }, []);

  // Infinite scroll: the last row coming into view loads the next page.
  const sentinel = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !cursor) return;
    const io = new IntersectionObserver((es) => es.some((x) => x.isIntersecting) && loadMore().catch(fail));
    io.observe(el);
    return () => io.disconnect();
  }, [cursor, sentinel.current]);

  const mine = items.filter((i) => i.lease?.moderatorId === me);
  const soonest = mine.map((i) => i.lease!.expiresAt).sort()[0];
  const set = (k: keyof Filters) => (e: Event) => setFilters({ ...filters, [k]: (e.target as HTMLInputElement).value });
  const current = visible[index];

  return (
    <div class="queue-view">
      <section class="counts" aria-label="Counts">
        {stats && (
          <>
            <ul class="by-status" aria-label="By status">
              {(['pending', 'escalated', 'approved', 'rejected', 'published'] as const).map((s) => (
                <li data-testid={`count-${s}`}><span class={`status s-${s}`}>{s}</span> <strong>{stats.byStatus[s]}</strong></li>
              ))}
            </ul>
            <ul class="by-category" aria-label="Held, by category">
              {Object.entries(stats.byCategory).map(([c, n]) => (
                <li>{c} <strong>{n.pending}</strong> pending · {n.escalated} escalated</li>
              ))}
            </ul>
          </>
        )}
      </section>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>Status <select value={filters.status} onChange={set('status')}><option value="pending">pending</option><option value="escalated">escalated</option></select></label>
        <label>Sort <select value={filters.sort} onChange={set('sort')}><option value="age">oldest first</option><option value="score">highest score</option><option value="offTopic">most off topic</option></select></label>
        <label>Category <select value={filters.category} onChange={set('category')}><option value="">any</option>{[...CATEGORIES, 'toxicity', 'off_topic'].map((c) => <option value={c}>{c}</option>)}</select></label>
        <label>Thread <input value={filters.threadId} onChange={set('threadId')} size={10} /></label>
        <label>Site <input value={filters.siteId} onChange={set('siteId')} size={10} /></label>
        <label>Min score <input type="number" min={0} max={1} step={0.05} value={filters.minScore} onChange={set('minScore')} /></label>
        <label class="check"><input type="checkbox" checked={onlyMine} onChange={(e) => setOnlyMine((e.target as HTMLInputElement).checked)} /> only my batch</label>
        <button type="button" onClick={claim}>Claim {CLAIM} <kbd>c</kbd></button>
        {mine.length > 0 && <button type="button" onClick={release}>Release my batch</button>}
        <button type="button" onClick={() => setHelp(true)}>Keys <kbd>?</kbd></button>
      </form>
      <p class="batch" data-testid="batch">
        {mine.length > 0 ? <>Your batch: {mine.length} items, lease ends in <strong>{soonest ? <Countdown until={soonest} /> : '–'}</strong></> : 'No items claimed: claim a batch so no one else reviews them.'}
      </p>
      {error && <p role="alert" class="error">{error}</p>}
      {refused && <p role="alert" class="error" data-testid="refused">{refused}</p>}
      <div class="panes">
        <section class="list" aria-label="Queue items">
          <p class="sr-only" aria-live="polite">{current ? `Item ${index + 1} of ${visible.length}` : ''}</p>
          {loaded && visible.length === 0 && <p>The queue is empty.</p>}
          <ol data-testid="queue-list">
            {visible.map((i) => (
              <li id={`row-${i.id}`} key={i.id}>
                <button type="button" class={i.id === selected ? 'row current' : 'row'} aria-current={i.id === selected ? 'true' : undefined} data-id={i.id} onClick={() => setSelected(i.id)}>
                  <span class="score" title={filters.sort === 'offTopic' ? 'off-topic score' : 'score'}>{filters.sort === 'offTopic' ? (i.offTopic === null ? '–' : i.offTopic.toFixed(2)) : i.score.toFixed(2)}</span>
                  <span class="cat">{i.category}</span>
                  {i.audit && <span class="audit" title="Audit sample: the policy would have published it">audit</span>}
                  {i.lease && <span class="lease">yours · <Countdown until={i.lease.expiresAt} /></span>}
                  <span class="snippet">{snippet(i.text)}</span>
                </button>
              </li>
            ))}
            {cursor && <li ref={sentinel}><button type="button" class="more" onClick={() => loadMore().catch(fail)}>Load more</button></li>}
          </ol>
        </section>
        {current ? <ItemPane id={current.id} onDecide={decide} noteRef={noteRef} reasonRef={reasonRef} /> : <section class="item" aria-label="Item"><p>No item selected.</p></section>}
      </div>
      <div class="toast" role="status" aria-live="polite">
        {toast}
        {pending && <button type="button" onClick={undo}>Undo <kbd>u</kbd></button>}
      </div>
      {help && <Help claim={CLAIM} onClose={() => setHelp(false)} />}
    </div>
  );
}
