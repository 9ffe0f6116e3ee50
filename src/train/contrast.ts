/**
 * Written contrast templates (Model v2, second revision): the labelled sets teach that a slur or
 * a dehumanising noun next to a group is hate, but almost nothing teaches what a moderator keeps
 * clean around the same words: hate that is negated or refuted, hate quoted in order to condemn
 * it, and news reports of violence. A window model then flags the word, not the claim. This pool
 * pairs each kind with the hateful use of the same words:
 *
 * - `dehumanise` (toxic, identity_attack span on the dehumanising words): a group called vermin;
 *   also hateful negations ("... are not human"), so a negation is not read as "clean";
 * - `negated` (clean): the same claims denied or rejected;
 * - `counter` (clean): the claim quoted or reported in order to condemn it;
 * - `news` (clean): violence reported in news terms.
 *
 * Every sentence is built from the lists below, written for this project. The behaviour suite
 * (`test/fixtures/behaviour/suite.json`) was written separately: these lists use none of its
 * dehumanising nouns (vermin, parasites, rats, cockroaches, lice, infestation, ...) and none of
 * its sentence frames, so its dehumanisation, negated-hate, counter-speech and news-violence rows
 * measure whether the lesson carries over to unseen words (through the word vectors) and frames.
 * Seeded: the same sentences for every training seed.
 */
import { mulberry32 } from '../util/prng';
import { cap, distinctSentences } from './templates';

/** One generated sentence: its kind, its text, and for hateful ones the dehumanising stretch. */
export interface ContrastSentence {
  kind: 'dehumanise' | 'negated' | 'counter' | 'news';
  text: string;
  toxic: boolean;
  /** Half-open UTF-16 range of the hateful words (toxic sentences only). */
  span?: [number, number];
}

const GROUPS = ['Muslims', 'Jews', 'Christians', 'Hindus', 'Sikhs', 'immigrants', 'refugees', 'migrants', 'asylum seekers', 'women', 'gay men', 'lesbians',
  'trans people', 'Black people', 'Africans', 'Arabs', 'Mexicans', 'Latinos', 'Asians', 'Chinese people', 'Pakistanis', 'Syrians', 'Gypsies', 'disabled people',
  'autistic people', 'Catholics', 'atheists', 'Somalis', 'Turks', 'Poles'];
/** Dehumanising nouns, disjoint from the behaviour suite's. */
const NOUNS = ['maggots', 'leeches', 'termites', 'pests', 'scum', 'swine', 'beasts', 'barbarians', 'germs', 'worms', 'locusts', 'hyenas', 'snakes', 'pigs',
  'mongrels', 'apes', 'bugs', 'a plague', 'a pestilence', 'a blight', 'a tumour', 'a swarm of locusts', 'filth', 'trash', 'garbage', 'degenerates', 'subhumans',
  'a virus', 'brutes', 'goblins'];
const HATE_FRAMES = ['{G} are {n}.', 'All {g} are {n}, every single one.', '{G} are nothing but {n}.', 'Face it, {g} are {n}.', 'Our country is overrun by {g}, {n} the lot of them.',
  'I am sick of {g}, they are {n}.', '{G}? {N}, all of them.', 'You can dress them up, but {g} are still {n}.', 'Never trust {g}, they are {n}.',
  "I don't care what anyone says, {g} are {n}.", '{G} breed like {n}.', 'Get these {n} out of our town, I mean the {g}.'];
/** Hateful claims that contain a negation (the stretch is the whole claim). */
const HATE_NEGATIONS = ['{G} are not human.', '{G} are not people, they are {n}.', '{G} will never be real citizens.', '{G} are no better than {n}.',
  '{G} do not deserve to live among us.', '{G} are not welcome here, go back where you came from.', 'No {g} should be allowed to breathe our air.',
  '{G} are not worth the air they breathe.'];
/** The same claims denied (clean). */
const NEGATED = ['Anyone who thinks {g} are {n} is simply wrong.', '{G} are human beings, not {n}.', "{G} aren't {n}; they are our neighbours and colleagues.",
  'I refuse to accept that {g} are {n}.', 'Describing {g} as {n} is false and cruel.', 'Of course {g} are not {n}, what a thing to believe.',
  'My {g} friends are kind, honest people, nothing like the {n} some say they are.', 'There is no truth in the idea that {g} are {n}.',
  'I grew up with {g} and they were never {n} to anyone.', 'Whatever you have read online, {g} are not {n}.', 'Treating {g} as {n} has no place in a decent society.',
  'Let us be clear: {g} are not the problem here.', 'I do not hate {g}, and I never will.', 'Nobody should be afraid of {g} for who they are.'];
/** The claim quoted or reported to condemn it (clean). */
const COUNTER = ["Whoever sprayed '{g} are {n}' on the wall should be ashamed.", "The poster who called {g} '{n}' was rightly banned.",
  "Calling {g} '{n}' is bigotry, and the moderators should delete it.", "Words like '{n}' aimed at {g} strip people of their dignity.",
  "The minister apologised after calling {g} '{n}' in a speech.", "Historians note that propaganda described {g} as '{n}' before the killings began.",
  "My daughter was called '{n}' at school for being one of the {g} in her class.", "If your argument is that {g} are '{n}', you have no argument.",
  "The survey found many {g} had been called '{n}' online.", "Reporting a comment that calls {g} '{n}' takes one click, please do it."];

const ACTORS = ['The army', 'Government forces', 'Rebel fighters', 'A gunman', 'Police', 'The militia', 'Insurgents', 'Troops', 'The coalition', 'Armed men',
  'A suicide bomber', 'Unknown attackers', 'Security forces', 'A drone', 'Artillery'];
const DEEDS = ['killed {k} people', 'shelled the village, killing {k} civilians', 'attacked a checkpoint, wounding {k} soldiers', 'opened fire on a crowd and killed {k}',
  'bombed a school, leaving {k} dead', 'executed {k} prisoners', 'ambushed a convoy and killed {k} guards', 'stabbed {k} people at a bus stop',
  'shot dead {k} protesters', 'destroyed a field hospital where {k} patients were treated'];
const PLACES = ['near the border', 'in the north of the province', 'outside the capital', 'in the old city', 'on the main road to the crossing', 'in a market town'];
const WHEN = ['on Monday', 'overnight', 'early on Friday', 'last week', 'on Sunday evening', 'at dawn'];
const SOURCES = ['officials said', 'according to the UN', 'the ministry said', 'witnesses told reporters', 'a monitoring group reported', 'local media reported'];
const NEWS_MORE = ['The suspect was charged with {k} counts of murder.', 'The jury convicted the man of killing {k} people in the attack.',
  '{K} people died of their wounds in hospital after the blast.', 'The court heard that the victims were beaten and tortured in detention.',
  'Prosecutors say the gang kidnapped {k} businessmen and killed two of them.', 'The massacre of {k} villagers is being investigated as a war crime.',
  'The hostage was released after {k} days, his family said.', 'The explosion killed {k} workers at the factory, the fire service said.',
  'A report accuses both sides of shooting civilians who tried to flee.', 'The death toll from the bombing rose to {k}, hospital staff said.'];
const COUNTS = ['two', 'three', 'four', 'five', 'seven', 'nine', 'twelve', 'fifteen', '20', '31', 'dozens of', 'at least six'];

/** Fills `{g}` / `{G}` (group), `{n}` / `{N}` (noun), `{k}` / `{K}` (count); returns the text and where `{n}` landed. */
function fill(frame: string, v: { g?: string; n?: string; k?: string }): { text: string; noun?: [number, number] } {
  let text = '';
  let noun: [number, number] | undefined;
  let i = 0;
  for (const m of frame.matchAll(/\{([gGnNkK])\}/g)) {
    text += frame.slice(i, m.index);
    const key = m[1];
    const raw = key.toLowerCase() === 'g' ? v.g! : key.toLowerCase() === 'n' ? v.n! : v.k!;
    const val = key === key.toUpperCase() ? cap(raw) : raw;
    if (key.toLowerCase() === 'n' && !noun) noun = [text.length, text.length + val.length];
    text += val;
    i = m.index! + m[0].length;
  }
  text += frame.slice(i);
  return { text: cap(text), noun };
}

/** The generated pool, about `perKind` sentences of each kind (seeded, the same for every training seed). */
export function contrastTemplates(perKind = 300, seed = 20261202): ContrastSentence[] {
  const r = mulberry32(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const { out, add } = distinctSentences<ContrastSentence>();
  const make = (kind: ContrastSentence['kind'], n: number, gen: () => ContrastSentence): void => {
    for (let made = 0, tries = 0; made < n && tries < n * 20; tries++) if (add(gen())) made++;
  };
  make('dehumanise', perKind, () => {
    const negation = r() < 0.3;
    const f = fill(pick(negation ? HATE_NEGATIONS : HATE_FRAMES), { g: pick(GROUPS), n: pick(NOUNS) });
    // A hateful negation without a noun is hateful as a whole claim: the stretch is the sentence.
    const span: [number, number] = f.noun ?? [0, f.text.replace(/[.!?]+$/, '').length];
    return { kind: 'dehumanise', text: f.text, toxic: true, span };
  });
  make('negated', perKind, () => ({ kind: 'negated', text: fill(pick(NEGATED), { g: pick(GROUPS), n: pick(NOUNS) }).text, toxic: false }));
  make('counter', perKind, () => ({ kind: 'counter', text: fill(pick(COUNTER), { g: pick(GROUPS), n: pick(NOUNS) }).text, toxic: false }));
  make('news', perKind, () => {
    const k = pick(COUNTS);
    const text = r() < 0.6
      ? `${pick(ACTORS)} ${fill(pick(DEEDS), { k }).text.replace(/^./, (c) => c.toLowerCase())} ${pick(PLACES)} ${pick(WHEN)}, ${pick(SOURCES)}.`
      : fill(pick(NEWS_MORE), { k }).text;
    return { kind: 'news', text, toxic: false };
  });
  return out;
}
