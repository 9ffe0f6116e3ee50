import { loadFoxNews, loadUcc, uccHeldOut, UCC_ATTRIBUTES } from '../../src/data';
import { describeWithDatasets } from '../datasets';

describeWithDatasets('news-comment loaders', () => {
  it('UCC validation: 4,423 comments, hostile rare, shares consistent with the majority gold', () => {
    const rows = loadUcc();
    expect(rows).toHaveLength(4423);
    const hostile = rows.filter((r) => r.attributes.hostile.gold === 1).length;
    expect(hostile / rows.length).toBeGreaterThan(0.015);
    expect(hostile / rows.length).toBeLessThan(0.035);
    const bad: string[] = [];
    for (const r of rows) {
      for (const a of UCC_ATTRIBUTES) {
        const { gold, share } = r.attributes[a];
        if (!(share >= 0 && share <= 1)) bad.push(`${r.id} ${a} share ${share}`);
        // The aggregated answer is the majority: its share is at least a half (the follow-up
        // question generalisation_unfair is asked of a subset only).
        if (a !== 'generalisation_unfair' && (gold ? share < 0.5 : share > 0.5)) bad.push(`${r.id} ${a} gold ${gold} share ${share}`);
      }
      if (r.toxicBinary !== (r.attributes.hostile.gold || r.attributes.antagonize.gold ? 1 : 0)) bad.push(`${r.id} toxicBinary`);
      if (Math.abs(r.toxicity - Math.max(r.attributes.hostile.share, r.attributes.antagonize.share)) > 1e-12) bad.push(`${r.id} toxicity`);
    }
    expect(bad).toEqual([]);
    expect(rows.filter((r) => r.toxicBinary === 1)).toHaveLength(195);
  });

  it('UCC validation splits in two halves by text: the held-out half is split dev, the other split train', () => {
    const rows = loadUcc();
    const dev = rows.filter((r) => r.split === 'dev');
    const train = rows.filter((r) => r.split === 'train');
    expect(dev.length + train.length).toBe(rows.length);
    expect(dev.length / rows.length).toBeGreaterThan(0.45);
    expect(dev.length / rows.length).toBeLessThan(0.55);
    // Both halves have toxic comments to train and to measure on.
    expect(dev.filter((r) => r.toxicBinary === 1).length).toBeGreaterThan(70);
    expect(train.filter((r) => r.toxicBinary === 1).length).toBeGreaterThan(70);
    // The rule depends on the text only (whitespace-insensitive), so a repeated text cannot sit on both sides.
    for (const r of rows.slice(0, 200)) expect(uccHeldOut(`  ${r.text.replace(/ /g, '\n')} `)).toBe(r.split === 'dev');
    const devTexts = new Set(dev.map((r) => r.text));
    expect(train.filter((r) => devTexts.has(r.text))).toEqual([]);
  });

  it('Fox News: 1,528 comments on 10 articles, 435 hateful, headline kept', () => {
    const rows = loadFoxNews();
    expect(rows).toHaveLength(1528);
    expect(rows.filter((r) => r.toxicBinary === 1)).toHaveLength(435);
    expect(new Set(rows.map((r) => r.title)).size).toBe(10);
    expect(rows.every((r) => r.split === 'test')).toBe(true);
  });
});
