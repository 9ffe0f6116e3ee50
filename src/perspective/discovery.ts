/**
 * A Google API discovery document for the Perspective-compatible endpoints.
 *
 * Many Perspective clients never hard-code the endpoint: Jigsaw's Moderator calls
 * `google.discoverAPI(url)` (Node googleapis) and most Python code calls
 * `discovery.build("commentanalyzer", "v1alpha1", discoveryServiceUrl=url)`. Both fetch this
 * document and send requests to `rootUrl + servicePath + method.path`, so serving it with
 * Moderato's own address as `rootUrl` lets them switch by changing that one URL.
 * Schemas are the subset of Perspective's that these methods use (Python's client resolves
 * every `$ref` when it builds docstrings, so each one named must exist).
 */

const str = { type: 'string' };
const ref = (name: string) => ({ $ref: name });

const SCHEMAS = {
  TextEntry: { id: 'TextEntry', type: 'object', properties: { text: str, type: { type: 'string', enum: ['TEXT_TYPE_UNSPECIFIED', 'PLAIN_TEXT'] } } },
  ArticleAndParentComment: { id: 'ArticleAndParentComment', type: 'object', properties: { article: ref('TextEntry'), parentComment: ref('TextEntry') } },
  Context: {
    id: 'Context',
    type: 'object',
    properties: { entries: { type: 'array', items: ref('TextEntry') }, articleAndParentComment: ref('ArticleAndParentComment') },
  },
  AttributeParameters: {
    id: 'AttributeParameters',
    type: 'object',
    properties: { scoreType: { type: 'string', enum: ['SCORE_TYPE_UNSPECIFIED', 'PROBABILITY'] }, scoreThreshold: { type: 'number', format: 'float' } },
  },
  Score: { id: 'Score', type: 'object', properties: { value: { type: 'number', format: 'float' }, type: { type: 'string', enum: ['SCORE_TYPE_UNSPECIFIED', 'PROBABILITY'] } } },
  SpanScore: {
    id: 'SpanScore',
    type: 'object',
    properties: { begin: { type: 'integer', format: 'int32' }, end: { type: 'integer', format: 'int32' }, score: ref('Score') },
  },
  AttributeScores: {
    id: 'AttributeScores',
    type: 'object',
    properties: { summaryScore: ref('Score'), spanScores: { type: 'array', items: ref('SpanScore') } },
  },
  AnalyzeCommentRequest: {
    id: 'AnalyzeCommentRequest',
    type: 'object',
    properties: {
      comment: ref('TextEntry'),
      context: ref('Context'),
      requestedAttributes: { type: 'object', additionalProperties: ref('AttributeParameters') },
      spanAnnotations: { type: 'boolean' },
      languages: { type: 'array', items: str },
      doNotStore: { type: 'boolean' },
      clientToken: str,
      sessionId: str,
      communityId: str,
      dropUnsupportedAttributes: { type: 'boolean' },
      spanOffsetUnit: { type: 'string', enum: ['UTF16_CODE_UNIT', 'CODE_POINT'], description: 'Moderato extension.' },
    },
  },
  AnalyzeCommentResponse: {
    id: 'AnalyzeCommentResponse',
    type: 'object',
    properties: {
      attributeScores: { type: 'object', additionalProperties: ref('AttributeScores') },
      languages: { type: 'array', items: str },
      detectedLanguages: { type: 'array', items: str },
      clientToken: str,
    },
  },
  SuggestCommentScoreRequest: {
    id: 'SuggestCommentScoreRequest',
    type: 'object',
    properties: {
      comment: ref('TextEntry'),
      context: ref('Context'),
      attributeScores: { type: 'object', additionalProperties: ref('AttributeScores') },
      languages: { type: 'array', items: str },
      communityId: str,
      clientToken: str,
      sessionId: str,
      doNotStore: { type: 'boolean', description: 'Moderato extension.' },
      spanOffsetUnit: { type: 'string', enum: ['UTF16_CODE_UNIT', 'CODE_POINT'], description: 'Moderato extension.' },
    },
  },
  SuggestCommentScoreResponse: {
    id: 'SuggestCommentScoreResponse',
    type: 'object',
    properties: { clientToken: str, stored: { type: 'boolean', description: 'Moderato extension.' } },
  },
};

const method = (name: 'analyze' | 'suggestscore', request: string, response: string, description: string) => ({
  id: `commentanalyzer.comments.${name}`,
  path: `v1alpha1/comments:${name}`,
  flatPath: `v1alpha1/comments:${name}`,
  httpMethod: 'POST',
  parameters: {},
  parameterOrder: [],
  request: ref(request),
  response: ref(response),
  description,
});

/**
 * The discovery document, with `rootUrl` (ending in `/`) where this Moderato answers.
 * @example discoveryDocument('https://moderato.example.org/').resources.comments.methods.analyze.path // 'v1alpha1/comments:analyze'
 */
export function discoveryDocument(rootUrl: string) {
  const root = rootUrl.endsWith('/') ? rootUrl : `${rootUrl}/`;
  return {
    kind: 'discovery#restDescription',
    discoveryVersion: 'v1',
    id: 'commentanalyzer:v1alpha1',
    name: 'commentanalyzer',
    version: 'v1alpha1',
    title: 'Moderato (Perspective Comment Analyzer API compatible)',
    description: 'Moderato answering the Perspective Comment Analyzer API methods comments.analyze and comments.suggestscore.',
    protocol: 'rest',
    rootUrl: root,
    servicePath: '',
    baseUrl: root,
    basePath: '/',
    batchPath: 'batch',
    parameters: {
      key: { type: 'string', location: 'query', description: 'Moderato API key (also accepted as Authorization: Bearer).' },
      alt: { type: 'string', location: 'query', default: 'json', enum: ['json'] },
      prettyPrint: { type: 'boolean', location: 'query', default: 'true' },
      fields: { type: 'string', location: 'query' },
      quotaUser: { type: 'string', location: 'query' },
      '$.xgafv': { type: 'string', location: 'query', enum: ['1', '2'] },
    },
    resources: {
      comments: {
        methods: {
          analyze: method('analyze', 'AnalyzeCommentRequest', 'AnalyzeCommentResponse', 'Analyzes the provided text and returns scores for requested attributes.'),
          suggestscore: method('suggestscore', 'SuggestCommentScoreRequest', 'SuggestCommentScoreResponse', 'Stores a suggested score as moderator feedback.'),
        },
      },
    },
    schemas: SCHEMAS,
  };
}
