/** Regression: the scorer ignored the span thresholds stored with the model (only `eval` read them). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createScorer } from '../../src/scorer';

const SHIPPED = path.join(__dirname, '..', '..', 'models', 'toxicity');

it('assembles spans with the thresholds in model.json', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moderato-spanth-'));
  try {
    const json = JSON.parse(fs.readFileSync(path.join(SHIPPED, 'model.json'), 'utf8'));
    // No token can reach 1.01 and the fallback is off: this model must never report a span.
    json.thresholds = { ...json.thresholds, span: 1.01, fallbackToxicity: 2 };
    fs.cpSync(SHIPPED, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const comments = [{ id: 'a', text: 'You are a stupid idiot and a pathetic loser.' }];
    const shipped = await createScorer();
    const strict = await createScorer({ modelDir: dir });
    try {
      expect((await shipped.score({ comments }))[0]!.spans.length).toBeGreaterThan(0);
      expect((await strict.score({ comments }))[0]!.spans).toEqual([]);
    } finally {
      shipped.dispose();
      strict.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
