/**
 * The baseline process of `npm run bench:batch`: the `obscenity` word filter over a JSONL file
 * of comments, one result line per comment (its matches), as a whole process like
 * `moderato score`. One core: obscenity is synchronous JavaScript.
 *
 *   node dist/bench/obscenity-score.js IN.jsonl OUT.jsonl
 */
import * as fs from 'fs';
import * as readline from 'readline';
import { once } from 'events';
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';

async function main(): Promise<void> {
  const [input, output] = process.argv.slice(2);
  const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  const out = fs.createWriteStream(output);
  const rl = readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (!line) continue;
    const c = JSON.parse(line) as { id: string; text: string };
    const matches = matcher.getAllMatches(c.text).map((m) => ({ start: m.startIndex, end: m.endIndex + 1 }));
    if (!out.write(JSON.stringify({ id: c.id, flagged: matches.length > 0, matches }) + '\n')) await once(out, 'drain');
    n++;
  }
  out.end();
  await once(out, 'close');
  process.stderr.write(`obscenity: ${n} comments\n`);
}

void main();
