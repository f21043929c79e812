// node:test runner for the behavioural suite, against the package as users import it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as api from 'callrisk';
import { defineSuite } from './suite.js';

const golden = readFileSync(new URL('../golden/default_model.txt', import.meta.url), 'utf8');
defineSuite({ test, assert, api, golden });
