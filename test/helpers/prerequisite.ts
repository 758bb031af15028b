/**
 * The `skip` option of a test that needs something a developer's machine may lack (Chromium, the
 * dataset). Locally such tests are skipped with the reason; under CI=true (CI installs Chromium and has
 * the dataset) a missing prerequisite is an error, so a broken CI set-up cannot pass by skipping.
 */
export function skipUnless(available: boolean, missing: string): false | string {
  if (available) return false;
  if (onCi()) throw new Error(`${missing}, and CI=${process.env.CI}: CI must run these tests, not skip them`);
  return missing;
}

export function onCi(): boolean {
  const ci = process.env.CI?.toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}
