import { join } from 'node:path';
import { goldenEditTests } from '../attributes/test/golden';

// Each edit style of the instance backport (nested block edited or added, protection flag inserted
// and the run re-aligned, group lists in one-line and one-item-per-line layouts, refusals).
describe('instance backport edits (golden files)', () => goldenEditTests(join(__dirname, 'hcl-fixtures')));
