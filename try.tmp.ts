import { loadKnowledgeBase } from './src/modules/pathways/content-loader.ts';
import { evaluatePathways } from './src/modules/pathways/engine.ts';
import { profileSchema } from './src/modules/pathways/pathways.schemas.ts';
const kb = await loadKnowledgeBase();
const cases: Record<string, object> = {
  frontContract: { applicantType: 'contract', location: 'UA', documents: ['internal_passport', 'military_id'] },
  wantedDeserterAM: { applicantType: 'deserter', location: 'AM', documents: ['internal_passport'], hasLeftUnit: true, onWantedList: true },
  diplomatBerlin: { applicantType: 'diplomat', location: 'DE', documents: ['diplomatic_passport', 'foreign_passport'], foreignPassportValidUntil: '2030-01-01' },
  mobilisedGeorgiaExpired: { applicantType: 'mobilised', location: 'GE', documents: ['internal_passport', 'foreign_passport'], foreignPassportValidUntil: '2025-01-01', hasLeftUnit: true },
  wantedDeserterRU: { applicantType: 'deserter', location: 'RU', documents: ['internal_passport', 'foreign_passport'], foreignPassportValidUntil: '2030-01-01', hasLeftUnit: true, onWantedList: true },
};
for (const [name, p] of Object.entries(cases)) {
  const r = evaluatePathways(profileSchema.parse({ citizenship: 'RU', language: 'en', ...p }), kb, { today: '2026-12-06' });
  console.log('\n==', name);
  for (const o of r.options.slice(0, 8)) console.log(o.rank.position, o.id, o.viable.value, o.risk.level, '|', o.rank.text, '|', o.viable.reasons.map((x) => x.ruleId).join(','));
  console.log('  warnings:', r.warnings.map((w) => w.id).join(','));
}
