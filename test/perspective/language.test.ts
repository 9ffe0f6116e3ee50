import { detectLanguage, isSupportedLanguage, resolveLanguages } from '../../src/perspective/language';
import { isModeratoError } from '../../src/errors';

describe('languages', () => {
  it.each([
    ['en', true],
    ['en-US', true],
    ['EN_gb', true],
    ['es', false],
    ['fr', false],
    ['und', false],
    ['eng', false],
  ])('isSupportedLanguage(%j) is %s', (tag, ok) => {
    expect(isSupportedLanguage(tag)).toBe(ok);
  });

  it.each([
    ['You are an idiot.', 'en'],
    ['¿Qué estás haciendo, idiota?', 'en'], // Latin script: Moderato cannot tell Spanish apart
    ['😀 123 !!!', 'en'],
    ['Ты идиот и все это знают', 'und-Cyrl'],
    ['你是个白痴', 'und-Hani'],
    ['あなたはばかです', 'und-Jpan'],
    ['أنت غبي جدا', 'und-Arab'],
  ])('detectLanguage(%j) is %s', (text, tag) => {
    expect(detectLanguage(text)).toBe(tag);
  });

  it('mirrors the requested languages and reports the detected script', () => {
    expect(resolveLanguages(['en'], 'hello there', ['TOXICITY'])).toEqual({ languages: ['en'], detectedLanguages: ['en'] });
    expect(resolveLanguages(undefined, 'hello there', ['TOXICITY'])).toEqual({ languages: ['en'], detectedLanguages: ['en'] });
  });

  it.each([
    [['es'], 'hola idiota', 'es'],
    [['en', 'de'], 'hello', 'de'],
    [undefined, 'Ты идиот', 'und-Cyrl'],
  ])('rejects languages %j for %j naming %s', (langs, text, named) => {
    let caught: unknown;
    try {
      resolveLanguages(langs, text, ['INSULT']);
    } catch (e) {
      caught = e;
    }
    expect(isModeratoError(caught)).toBe(true);
    const err = caught as { code: string; status: number; message: string; details: { language: string } };
    expect(err.code).toBe('MOD_ERR_UNSUPPORTED_LANGUAGE');
    expect(err.status).toBe(400);
    expect(err.message).toContain(`Attribute INSULT does not support request languages: ${named}`);
    expect(err.details.language).toBe(named);
  });
});
