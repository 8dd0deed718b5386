// The proof in words: "12,408 events verified · 0 gaps", and what a resync was, when, and whether it recovered.
import type { ResyncInfo } from '@dish-live/client';
import type { Locale, Translate } from './i18n.js';
import type { ProofView } from './state/proof-tally.js';

const tag = (locale: Locale) => (locale === 'zh' ? 'zh-CN' : 'en-US');

export function proofSummary(t: Translate, locale: Locale, proof: ProofView): string {
  const n = new Intl.NumberFormat(tag(locale));
  const verified = proof.verified === 1 ? t('proof.verifiedOne') : t('proof.verified', { n: n.format(proof.verified) });
  const gaps = proof.gaps === 1 ? t('proof.gapsOne') : t('proof.gaps', { n: n.format(proof.gaps) });
  return `${verified} · ${gaps}`;
}

export function resyncNotice(t: Translate, locale: Locale, resync: ResyncInfo): string {
  const clock = (ms: number) => new Date(ms).toLocaleTimeString(tag(locale), { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const what = t(`proof.what.${resync.reason}`);
  if (!resync.recovered) return t('proof.resyncing', { time: clock(resync.at), what });
  return t('proof.resynced', { time: clock(resync.at), what, via: t(`proof.via.${resync.via ?? 'snapshot'}`) });
}
