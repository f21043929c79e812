// The README's example of another schema ("The npm package", Types).
// Everything below the marker is the README's js block, verbatim.

// ---- README block (verbatim) ----
import { createScorer, trainModel } from 'callrisk';

// Another schema is data, not code: here a STIR/SHAKEN attestation score joins two of the seed's fields.
const stir = await trainModel({ csv: 'spam_reports,has_consent,attestation,label\n0,true,1.0,0\n3,false,0.2,1\n1,true,0.9,0\n2,false,0.1,1\n' }, {
  schema: {
    fields: [{ name: 'spam_reports', type: 'count' }, { name: 'has_consent', type: 'bool' }, { name: 'attestation', type: 'real' }],
    features: [{ name: 'spam_reports', field: 'spam_reports' }, { name: 'no_consent', field: 'has_consent', invert: true },
      { name: 'attestation', field: 'attestation' }],
  },
  signs: { attestation: 'nonpos' },
});
const stirScorer = await createScorer({ model: stir });
stirScorer.score({ spamReports: 1, hasConsent: true, attestation: 0.25 });    // its own fields: camelCase …
stirScorer.score({ spam_reports: 1, has_consent: true, attestation: 0.25 });  // … or the C names
stir.card().features.map((f) => `${f.name} ${f.coef}`);                        // the card is typed (ModelCard)
