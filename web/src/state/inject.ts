// How components reach the dashboard controller and the translator without prop-drilling.
import { inject, type InjectionKey, type Ref } from 'vue';
import type { Locale, Translate } from '../i18n.js';
import type { Dashboard } from './dashboard.js';
import type { Theme } from './preferences.js';

export const DASHBOARD: InjectionKey<Dashboard> = Symbol('dashboard');
export const TRANSLATE: InjectionKey<Ref<Translate>> = Symbol('translate');
export const THEME: InjectionKey<Ref<Theme>> = Symbol('theme');
export const LOCALE: InjectionKey<Ref<Locale>> = Symbol('locale');

function required<T>(key: InjectionKey<T>, what: string): T {
  const value = inject(key);
  if (value === undefined) throw new Error(`${what} is not provided; mount the component inside App`);
  return value;
}

export const useDashboard = () => required(DASHBOARD, 'the dashboard');
export const useTranslate = () => required(TRANSLATE, 'the translator');
export const useTheme = () => required(THEME, 'the theme');
export const useLocale = () => required(LOCALE, 'the locale');
