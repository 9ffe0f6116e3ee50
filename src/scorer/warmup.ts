/**
 * A scorer's warm-up: a fixed batch of varied comments scored once at load, after the canary, so
 * that V8 has compiled the tokenizer, feature, inference, span and off-topic paths (and the
 * token-vector cache holds the commonest words) before the first real request. Without it each
 * scorer thread paid that cost inside its first few thousand comments (a fresh thread scored its
 * first 1,024 bench posts in 1.1-1.3 s, its tenth in 0.3 s; with its caches emptied but its code
 * compiled, the first took 0.36 s), once per thread, so a 2-thread batch run paid it twice within
 * its timed window, and a server's first requests ran uncompiled code. Results are discarded;
 * outputs never depend on it (the model's caches are exact, see `clearCaches`).
 */
import { mulberry32 } from '../util/prng';
import type { CommentInput, ScoreRequest } from '../types';

/** Varied shapes of comment: news replies, tweets (@USER, URL, #tag, emoji), obfuscated and shouted abuse, accents, digits. */
const TEXTS = [
  'Thanks for the clear article about the new footbridge, I had no idea the council had approved it.',
  'You are a stupid idiot and nobody likes you.',
  '@USER @USER this is the dumbest take I have read all week 🙄 #politics URL',
  'I disagree with the author: the numbers in paragraph 3 (about 12.5% in 2019) do not add up.',
  'SHUT UP!!! nobody asked for your opinion you clown',
  'What a load of sh1t. These f*cking politicians never learn, do they?',
  "Well said. It's about time someone pointed out the obvious; I've been saying this for years.",
  'Go back to where you came from, we do not want your kind here.',
  'If I ever see you again I will hurt you, I swear.',
  'The café on Müller Straße closed last winter — such a shame, the coffee was great.',
  'sooooo glad this finally passed!!! 🎉🎉 great job everyone',
  "I don't think that's fair to the teachers, they're doing their best with what they've got.",
  'Anyone who votes for this moron deserves what they get.',
  'Interesting read. Does anyone have a link to the original study? http://example.org/study?id=42',
  'lol ur such a loser, go cry to ur mom',
  'The article is about the bridge, why is everyone in the comments arguing about taxes?',
  'Those people are animals and should be locked up, every last one of them.',
  'Great photo! Where was this taken?',
  'This is complete BS and the reporter should be ashamed of this biased garbage.',
  "Can't wait for the weekend, the forecast says 25°C and sunny.",
  'damn, that game last night was insane. what a finish',
  'She is a lying hypocrite and a disgrace to her office.',
  'Please keep the discussion civil; personal attacks will be removed.',
  'Kill them all. Burn it down.',
  // Rare shapes, so that each branch of the tokenizer and the feature code has run (and left V8
  // its type feedback) before V8 optimises them: see PRIMER_COMMENTS.
  "you f u c k i n g i d i o t, a s s h o l e. he's a m o r o n, s.t.u.p.i.d",
  'read this (http://example.org/a?b=1). or www.example.com, then reply to @user_1 #fail',
  'It cost $1,000.50, #1 of 2,019 for ½ of them: f**k this, a$$ and sh1t',
  'family 👨‍👩‍👧 👍🏽 🇺🇸🇬🇧 1️⃣ ❤️ ＦＵＬＬ width, Ⅻ, naïve Straße, 𝐢𝐝𝐢𝐨𝐭, zero\u200bwidth in\u00adword\tend',
];

/** Words spliced into variants, so the warm-up also meets tokens it has not cached yet. */
const WORDS = TEXTS.join(' ').split(/\s+/);

/**
 * Comments in the warm-up: 300 added 0.2 s to one thread's model load and 0.4 s to two threads'
 * (both loading at once on two cores); 600 added 0.4 / 0.5 s and scored no faster after it.
 */
export const WARMUP_COMMENTS = 300;

/**
 * A primer: the fixed texts once each, for a batch run, which wants its whole run short rather
 * than its first comments fast. Too few to get anything compiled, but every rare branch (spelled-out
 * words, URLs, numbers, emoji sequences) has then run before the batch's comments make the code
 * hot, so V8 compiles the tokenizer and the feature code about once instead of again after each
 * rare branch's first use (a deoptimisation): issue 29, where each thread compiles its own.
 */
export const PRIMER_COMMENTS = TEXTS.length;

/**
 * The warm-up comments: the fixed texts, then deterministic variants of them (words spliced from
 * the others, some cased differently), so the cache's miss path runs as often as its hit path.
 */
export function warmUpComments(n = WARMUP_COMMENTS): CommentInput[] {
  const rand = mulberry32(29);
  const out: CommentInput[] = [];
  for (let i = 0; i < n; i++) {
    let text = TEXTS[i % TEXTS.length];
    if (i >= TEXTS.length) {
      const words = text.split(' ');
      for (let k = 0; k < 3; k++) {
        let w = WORDS[Math.floor(rand() * WORDS.length)];
        const r = rand();
        if (r < 0.2) w = w.toUpperCase();
        else if (r < 0.4) w = w[0].toUpperCase() + w.slice(1);
        else if (r < 0.5) w = w + w[w.length - 1] + w[w.length - 1];
        words.splice(Math.floor(rand() * (words.length + 1)), 0, w);
      }
      text = words.join(' ');
    }
    out.push({ id: `w${i}`, text });
  }
  return out;
}

/** What {@link warmUp} needs: a scorer's `score`. */
interface Scores {
  score(req: ScoreRequest): Promise<unknown>;
}

/**
 * Scores {@link warmUpComments} with `scorer` and drops the results: most as one-comment
 * requests (the batch CLI's shape), the rest in requests of 16 against an article, in a thread
 * (the server's shape, which runs the off-topic model's article and thread paths).
 */
export async function warmUp(scorer: Scores, n = WARMUP_COMMENTS): Promise<void> {
  const comments = warmUpComments(n);
  const single = Math.floor(comments.length * 0.75);
  for (let i = 0; i < single; i++) await scorer.score({ comments: [comments[i]] });
  const article = { title: 'Council approves the new footbridge', body: TEXTS[0] + ' ' + TEXTS[15] };
  for (let i = single; i < comments.length; i += 16) {
    const group = comments.slice(i, i + 16).map((c, j) => (j > 0 && j % 3 === 0 ? { ...c, parentId: comments[i].id } : c));
    await scorer.score({ article, comments: group });
  }
}
