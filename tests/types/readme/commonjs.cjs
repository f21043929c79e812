// The README's CommonJS line ("Node: ES modules and CommonJS"), checked as
// JavaScript (checkJs) in a CommonJS file. Everything below the marker is
// the README's js block, verbatim.

// ---- README block (verbatim) ----
const { createScorer } = require('callrisk');    // Node 20.19+ and 22.12+

createScorer().then((scorer) => console.log(scorer.score({ spamReports: 5, hasConsent: false, callAttempts24h: 10 }).riskLevel));
