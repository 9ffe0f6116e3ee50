/**
 * Words the normaliser may restore when a token is masked (`f*ck`) or stretched (`stuuupid`).
 * Order matters: on a tie the earlier (more frequent in comments) word wins.
 * This is a repair list, not a toxicity list: the model decides what is toxic.
 */
export const REPAIR_WORDS: readonly string[] = [
  'fuck', 'fucking', 'fucked', 'fucker', 'fuckers', 'fucks', 'motherfucker', 'shit', 'shits', 'shitty', 'bullshit',
  'bitch', 'bitches', 'ass', 'asses', 'asshole', 'assholes', 'arse', 'arsehole', 'damn', 'dammit', 'hell', 'crap',
  'dick', 'dicks', 'dickhead', 'cock', 'cunt', 'cunts', 'pussy', 'twat', 'wanker', 'prick', 'bastard', 'bastards',
  'whore', 'slut', 'piss', 'pissed', 'douche', 'douchebag', 'jackass', 'dumbass', 'idiot', 'idiots', 'idiotic',
  'stupid', 'stupidity', 'moron', 'morons', 'moronic', 'imbecile', 'cretin', 'dumb', 'dumber', 'dumbest', 'loser',
  'losers', 'fool', 'fools', 'foolish', 'retard', 'retarded', 'retards', 'pathetic', 'ignorant', 'hypocrite',
  'hypocrites', 'scum', 'trash', 'garbage', 'clown', 'clowns', 'troll', 'trolls', 'liar', 'liars', 'lying',
  'racist', 'racists', 'nazi', 'nazis', 'pig', 'pigs', 'ugly', 'fat', 'kill', 'killed', 'die', 'dead', 'hate',
  'rape', 'suck', 'sucks', 'sucker', 'penis', 'sex', 'porn', 'nigger', 'niggers', 'nigga', 'faggot', 'faggots',
  'fag', 'fags', 'dyke', 'tranny', 'spic', 'kike', 'chink', 'wetback', 'coon', 'sociopath', 'psycho', 'lunatic',
  'insane', 'crazy', 'coward', 'cowards', 'traitor', 'thug', 'thugs', 'terrorist', 'terrorists', 'jerk', 'jerks',
  'creep', 'freak', 'so', 'too', 'no', 'yes', 'good', 'cool', 'please', 'really', 'very', 'now', 'what', 'why',
  'wow', 'well', 'oh', 'ok', 'okay', 'lol', 'haha', 'god', 'omg', 'sorry', 'thanks', 'love', 'great', 'nice',
  'bad', 'sad', 'mad', 'evil', 'sick', 'silly', 'lame', 'shut', 'up', 'off', 'you', 'your', 'all', 'me', 'go',
];

/** Set view for membership tests. */
export const REPAIR_SET: ReadonlySet<string> = new Set(REPAIR_WORDS);

/** Repair words grouped by length, for masked-letter matching. */
export const REPAIR_BY_LENGTH: ReadonlyMap<number, readonly string[]> = (() => {
  const m = new Map<number, string[]>();
  for (const w of REPAIR_WORDS) {
    const list = m.get(w.length) ?? [];
    list.push(w);
    m.set(w.length, list);
  }
  return m;
})();
