import { parseTopicArgs } from '../../../src/train/topic/report';

describe('parseTopicArgs', () => {
  it('parses the known flags and rejects others', () => {
    expect(parseTopicArgs(['--folds', '5', '--exclude', 'lexical,url', '--news-weight', '0'])).toEqual({ folds: 5, exclude: ['lexical', 'url'], newsWeight: 0 });
    expect(() => parseTopicArgs(['--fold', '5'])).toThrow(/unknown option/);
    expect(() => parseTopicArgs(['--folds'])).toThrow(/needs a value/);
  });
});
