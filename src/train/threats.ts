/**
 * Written threat templates (Model v2): none of the datasets has many plain personal threats
 * ("I will find you and hurt you" scored 0.006 with the hate and news pools alone), so a
 * small generated pool teaches them, typed `threat` on the threatening words, next to matched
 * clean sentences that use the same verbs harmlessly (reporting, idioms, sport, cooking), so the
 * model learns the threat, not the verb. Generated from a fixed seed; every sentence is built
 * from the lists below (written for this project, not taken from any dataset or test suite).
 */
import { mulberry32 } from '../util/prng';
import { cap, distinctSentences } from './templates';

/** A generated sentence: its text, whether it threatens, and the threatening stretch. */
export interface TemplateSentence {
  text: string;
  threat: boolean;
  /** Half-open UTF-16 range of the threatening words (threats only). */
  span?: [number, number];
}

const SUBJECT_WILLS = ['I will', "I'll", 'I am going to', "I'm going to", 'We will', "We're going to", 'Someone is going to', 'I swear I will', 'I promise I will',
  'I want to', 'My friends and I will', 'I should'];
const SECOND_WILLS = ['I will', "I'll", "I'm going to", 'we will', "we're going to"];
const HARMS = ['hurt you', 'kill you', 'beat you up', 'break your legs', 'shoot you', 'stab you', 'burn your house down', 'make you bleed', 'put you in the hospital',
  'end you', 'smash your face in', 'slit your throat', 'put a bullet in your head', 'break every bone in your body', 'hang you', 'cut you', 'choke you', 'run you over',
  'wipe you out', 'make you disappear'];
const FRAMES = ['{sw} {h}.', '{sw} find you and {h}.', 'I know where you live and {w2} {h}.', 'Keep talking and {w2} {h}.', 'One more word and {w2} {h}.',
  '{sw} come to your house and {h}.', 'Watch your back, {w2} {h}.', 'You better hide, because {w2} {h}.', 'If I see you again {w2} {h}.',
  'Sleep with one eye open, {w2} {h}.', '{sw} {h} if you show up here again.'];
const GROUP_HARMS = ['should all be shot', 'should be hanged', 'deserve to be killed', 'need to be wiped out', 'should be put to death', 'must be exterminated',
  'should be lined up against a wall', 'should be burned alive', 'should be gassed', 'deserve a bullet'];
const GROUPS = ['these people', 'all of them', 'every one of them', 'the traitors', 'those protesters', 'journalists like you', 'people like you', 'the lot of them'];
const CALLS = ['Someone should {v} him.', 'Somebody needs to {v} her.', 'Go {v} them all.', 'Let us {v} every last one of them.', 'Time to {v} the whole family.'];
const CALL_VERBS = ['shoot', 'kill', 'hang', 'stab', 'beat', 'burn', 'lynch', 'murder'];

// Harmless uses of the same words: reporting, idioms, games, cooking, advice.
const CLEAN = [
  'Police said the man threatened to {h2} before he was arrested.', 'The report says the soldiers were ordered to {v2} civilians, which is a war crime.',
  'I will find you a better source for that claim.', 'We are going to find out who is right soon enough.', 'I am going to kill it at the exam tomorrow.',
  'This heat is going to kill my tomatoes.', 'That joke killed me, thanks for the laugh.', 'My back is going to hurt after moving all these boxes.',
  'The new tax will hurt small businesses the most.', 'They shot the film in Idlib before the war.', 'He shot a great goal in the second half.',
  'We will beat them in the final, mark my words.', 'I promise to read the whole article before I comment.', 'I swear I will stop eating sugar this year.',
  'The sanctions could break the economy within a year.', 'Cut the onions and fry them until golden.', 'The court sentenced him to death in absentia.',
  'Both sides agreed to stop the shelling and open the crossings.', 'The army said it would destroy the tunnels near the border.', 'The virus killed thousands last winter.',
  'Do not let them put you in the hospital waiting room for hours, ask for a nurse.', 'If you see smoke, run outside and call the fire department.',
  'I know where you live is expensive, rents went up everywhere.', 'Watch your back when you lift heavy things.', 'She will end her term in March.',
  'They want to wipe out the debt before the election.', 'The article says the airstrike killed 12 people, including children.', 'I would hate to see the talks fail again.',
  'Keep talking to your neighbours, it helps.', 'One more word about this and I will change the subject, promise.',
];
const CLEAN_H2 = ['kill his neighbour', 'burn down the office', 'shoot the guards'];
const CLEAN_V2 = ['shoot', 'expel', 'starve'];

const fill = (t: string, vars: Record<string, string>): string => t.replace(/\{(\w+)\}/g, (_, k: string) => vars[k]);

/** The generated pool: about `n` threats plus matched clean sentences (seeded, so the same for every training seed). */
export function threatTemplates(n = 1200, seed = 20261201): TemplateSentence[] {
  const r = mulberry32(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const { out, add } = distinctSentences<TemplateSentence>();
  for (let i = 0; out.length < n && i < n * 20; i++) {
    const kind = r();
    if (kind < 0.6) {
      const h = pick(HARMS);
      const text = fill(pick(FRAMES), { sw: pick(SUBJECT_WILLS), w2: pick(SECOND_WILLS), h });
      const at = text.lastIndexOf(h);
      add({ text, threat: true, span: [at, at + h.length] });
    } else if (kind < 0.8) {
      const g = pick(GROUPS);
      const h = pick(GROUP_HARMS);
      const text = cap(`${g} ${h}.`);
      const at = text.indexOf(h);
      add({ text, threat: true, span: [at, at + h.length] });
    } else {
      const v = pick(CALL_VERBS);
      const text = fill(pick(CALLS), { v });
      const at = text.indexOf(v);
      add({ text, threat: true, span: [at, at + v.length] });
    }
  }
  for (const t of CLEAN) {
    if (t.includes('{h2}')) for (const h2 of CLEAN_H2) add({ text: fill(t, { h2 }), threat: false });
    else if (t.includes('{v2}')) for (const v2 of CLEAN_V2) add({ text: fill(t, { v2 }), threat: false });
    else add({ text: t, threat: false });
  }
  return out;
}
