import { loadModel } from '../../src/model';
import type { ToxicityModel } from '../../src/model/types';
import { identityCheck, IDENTITY_TERMS } from '../../src/train/identity';
import { spanOptionsFromThresholds } from '../../src/spans';

let model: ToxicityModel;
beforeAll(async () => {
  model = await loadModel();
});
afterAll(() => model.dispose());

describe('identity-term templates on the shipped model', () => {
  it('keeps friendly sentences about every identity term low and below hostile ones', async () => {
    const rows = await identityCheck(model, spanOptionsFromThresholds(model.info.thresholds));
    expect(rows).toHaveLength(Object.values(IDENTITY_TERMS).flat().length);
    const worst = rows.reduce((a, b) => (b.friendlyMean > a.friendlyMean ? b : a));
    // Bound pinned from the measured worst term of the shipped model (see models/README.md) plus margin.
    expect(worst.friendlyMean).toBeLessThan(WORST_FRIENDLY_BOUND);
    for (const r of rows) expect(r.hostileMean).toBeGreaterThan(r.friendlyMean);
  });
});

const WORST_FRIENDLY_BOUND = 0.45;
