/**
 * Site adaptation: each site's moderation decisions turned into that site's model. A decided
 * comment is kept as {@link StoredFeatures} (base outputs + int8 sentence vector); `fitAdapter`
 * fits a logistic head per attribute on them, shrunk toward the base, and gates it by
 * cross-validation; `applyAdapter` scores with it. Storage, refit scheduling and serving live in
 * src/queue, src/server and src/cli; this folder is pure computation.
 */
export type { AdaptAttribute, BaseModels, StoredFeatures, LabelledExample, AttributeHead, AdapterReport, AttributeGate, SiteAdapter } from './types';
export { ADAPT_ATTRIBUTES, BASE_INPUTS, baseInputs, readsArticle, rowLength, sameBase, newestBase, quantize, dequantize, featureRow, baseLogit } from './features';
export { applyAdapter, applyHead, activeHead, adapterApplies, CATEGORY_MIN_TOXICITY, type AdaptedScores } from './apply';
export { fitAdapter, strengthFor, LAMBDAS, CURVE_POINTS, type FitOptions } from './fit';
export { auc, pairedAucDiff, thresholdForPrecision } from './metrics';
