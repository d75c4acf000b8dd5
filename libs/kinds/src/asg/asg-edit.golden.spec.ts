import { join } from 'node:path';
import { goldenEditTests } from '../attributes/test/golden';

// Each edit style of the asg backport (literal changed in place, attribute inserted, CRLF and tabs
// kept, in a module's file, refusals): input.tf + edit.json → expected.tf, checked with HashiCorp's parser.
describe('asg backport edits (golden files)', () => goldenEditTests(join(__dirname, 'hcl-fixtures')));
