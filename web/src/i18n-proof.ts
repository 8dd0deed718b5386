// The status bar's proof in both languages (merged into i18n.ts's dictionaries): what the client verified, and resyncs.
export const proofEn = {
  'proof.verified': '{n} events verified',
  'proof.verifiedOne': '1 event verified',
  'proof.gaps': '{n} gaps',
  'proof.gapsOne': '1 gap',
  'proof.resyncs': 'Resyncs',
  'proof.resyncing': 'Resynchronising since {time}: {what}',
  'proof.resynced': 'Resynchronised at {time} after {what}: recovered, {via}',
  'proof.what.gap': 'a gap in the chain of events',
  'proof.what.digest': 'a state check that disagreed',
  'proof.via.resumed': 'missed events replayed',
  'proof.via.snapshot': 'full reload',
} as const;

export const proofZh: Record<keyof typeof proofEn, string> = {
  'proof.verified': '已验证 {n} 个事件',
  'proof.verifiedOne': '已验证 1 个事件',
  'proof.gaps': '{n} 处缺口',
  'proof.gapsOne': '1 处缺口',
  'proof.resyncs': '重新同步',
  'proof.resyncing': '自 {time} 起重新同步：{what}',
  'proof.resynced': '{time} 因{what}重新同步：已恢复，{via}',
  'proof.what.gap': '事件链出现缺口',
  'proof.what.digest': '状态校验不一致',
  'proof.via.resumed': '已补发缺失的事件',
  'proof.via.snapshot': '已完整重载',
};
