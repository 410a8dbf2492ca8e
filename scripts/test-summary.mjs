// Prints the plain CI summary line "N passed, N failed[, N skipped]" from vitest's JSON report.
// Typecheck, lint and build failures count as one failed check each. Exit code 1 when anything failed.
import { readFileSync } from 'node:fs';

const [file, typecheckOk = '1', lintOk = '1', buildOk = '1'] = process.argv.slice(2);
let passed = 0;
let failed;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numTotalTestSuites > 0 && report.success === false && report.numFailedTests === 0 ? 1 : 0);
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
} catch (error) {
  console.error(`no test report at ${file}: ${error.message}`);
  failed = 1;
}
if (typecheckOk !== '1') failed++;
if (lintOk !== '1') failed++;
if (buildOk !== '1') failed++;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
