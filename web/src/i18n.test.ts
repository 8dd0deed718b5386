import { describe, expect, it } from 'vitest';
import { pickLocale, translator } from './i18n.js';

describe('i18n', () => {
  it('picks Chinese for any zh variant, English otherwise', () => {
    expect(pickLocale(['zh-TW', 'en'])).toBe('zh');
    expect(pickLocale(['en-GB', 'zh-CN'])).toBe('en');
    expect(pickLocale(['fr-FR', 'zh'])).toBe('zh');
    expect(pickLocale(['fr-FR'])).toBe('en');
    expect(pickLocale([])).toBe('en');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    const zh = translator('zh');
    expect(zh('status.reconnecting', { s: 3 })).toBe('3 秒后重连');
    expect(translator('en')('status.reconnecting')).toBe('reconnecting in {s} s');
    expect(translator('en')('admin.saved', { name: 'Tofu' })).toBe('Saved Tofu (version {version}).');
  });
});
