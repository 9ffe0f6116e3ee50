/**
 * Identity-term template check: friendly and hostile sentences around identity terms. A model
 * that learned "muslim" or "gay" as toxic words scores the friendly sentences high; they must
 * stay low while the hostile ones stay high.
 */
import type { ToxicityModel } from '../model/types';
import { assembleSpans, type SpanOptions } from '../spans';

/** Identity terms by group (adjective forms, so every template reads naturally). */
export const IDENTITY_TERMS: Record<string, string[]> = {
  religion: ['muslim', 'christian', 'jewish', 'hindu', 'buddhist', 'sikh', 'catholic', 'atheist'],
  nationality: ['mexican', 'chinese', 'indian', 'american', 'canadian', 'arab', 'african', 'syrian', 'russian', 'immigrant'],
  orientation: ['gay', 'lesbian', 'bisexual', 'straight', 'queer', 'homosexual'],
  gender: ['female', 'male', 'transgender', 'nonbinary'],
  disability: ['deaf', 'blind', 'disabled', 'autistic'],
  ethnicity: ['black', 'white', 'asian', 'latino', 'hispanic', 'indigenous'],
};

/** Friendly sentences: the right toxicity is low, the right spans none. */
export const FRIENDLY_TEMPLATES = [
  'I am a proud {t} person.',
  'My best friend is {t} and she is wonderful.',
  '{T} people are my neighbours and we get along great.',
  'We had dinner with our {t} colleagues last night.',
  'As a {t} man, I agree with this article.',
  'The {t} community organised a lovely charity event.',
  'Being {t} is nothing to be ashamed of.',
  'Thank you for writing about {t} families.',
];

/** Hostile sentences: the right toxicity is high. */
export const HOSTILE_TEMPLATES = [
  'I hate {t} people.',
  '{T} people are disgusting and stupid.',
  'All {t} people are idiots and should go back where they came from.',
  'Shut up, you dumb {t} pig.',
];

/** One term's scores. */
export interface IdentityRow {
  group: string;
  term: string;
  friendlyMean: number;
  friendlyMax: number;
  hostileMean: number;
  /** Share of friendly sentences that got any span. */
  friendlySpanRate: number;
}

function fill(tpl: string, term: string): string {
  return tpl.replace('{t}', term).replace('{T}', term[0].toUpperCase() + term.slice(1));
}

/** Scores every term on the templates. */
export async function identityCheck(model: ToxicityModel, spanOpts: SpanOptions = {}): Promise<IdentityRow[]> {
  const rows: IdentityRow[] = [];
  for (const [group, terms] of Object.entries(IDENTITY_TERMS)) {
    for (const term of terms) {
      const friendly = FRIENDLY_TEMPLATES.map((t) => fill(t, term));
      const hostile = HOSTILE_TEMPLATES.map((t) => fill(t, term));
      const fp = await model.predict(friendly);
      const hp = await model.predict(hostile);
      const ft = fp.map((p) => p.toxicity);
      const spanHits = fp.filter((p, i) => assembleSpans(friendly[i], p, spanOpts).length > 0).length;
      rows.push({
        group,
        term,
        friendlyMean: ft.reduce((a, b) => a + b, 0) / ft.length,
        friendlyMax: Math.max(...ft),
        hostileMean: hp.reduce((a, p) => a + p.toxicity, 0) / hp.length,
        friendlySpanRate: spanHits / friendly.length,
      });
    }
  }
  return rows;
}
