// The viewer's choices that outlive a page: language and theme in localStorage, the write token in sessionStorage.
import { isLocale, pickLocale, type Locale } from '../i18n.js';

export type Theme = 'light' | 'dark';

const KEYS = { locale: 'dish-live.locale', theme: 'dish-live.theme', token: 'dish-live.token', author: 'dish-live.author' } as const;

/** Storage can throw (privacy modes, quotas); a preference that cannot be kept is simply not kept. */
function read(storage: () => Storage, key: string): string | undefined {
  try {
    return storage().getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(storage: () => Storage, key: string, value: string | undefined): void {
  try {
    if (value === undefined) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // see read()
  }
}

const local = () => localStorage;
const session = () => sessionStorage;

export function initialLocale(): Locale {
  const saved = read(local, KEYS.locale);
  return isLocale(saved) ? saved : pickLocale(navigator.languages.length > 0 ? navigator.languages : [navigator.language]);
}

export function saveLocale(locale: Locale): void {
  write(local, KEYS.locale, locale);
}

export function initialTheme(): Theme {
  const saved = read(local, KEYS.theme);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function saveTheme(theme: Theme): void {
  write(local, KEYS.theme, theme);
}

/** Per tab, per the brief: the token is typed once and forgotten when the tab closes. */
export function savedToken(): string | undefined {
  return read(session, KEYS.token);
}

export function saveToken(token: string | undefined): void {
  write(session, KEYS.token, token);
}

export function savedAuthor(): string {
  return read(local, KEYS.author) ?? '';
}

export function saveAuthor(author: string): void {
  write(local, KEYS.author, author);
}
