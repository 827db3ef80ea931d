/* global process, console */
// Reads `openve-install locate --json` on stdin, prints what was searched and where the answer came
// from (for the console), exits 0 when the answer came with the install medium (the confirmation
// to wipe, docs/design.md §3), 1 otherwise.
let text = '';
process.stdin
  .on('data', (d) => (text += d))
  .on('end', () => {
    let r;
    try {
      r = JSON.parse(text);
    } catch {
      console.log('openve: could not read the answer search result');
      process.exit(1);
    }
    console.log(
      r.found
        ? `Answer file found: ${r.source} ${r.where}`
        : 'No valid answer file found. Searched, in order:',
    );
    for (const [i, a] of (r.attempts ?? []).entries())
      console.log(`  ${i + 1}. ${a.source}  ${a.where}: ${a.status}: ${a.reason}`);
    for (const issue of r.issues ?? []) console.log(`  invalid: ${issue}`);
    for (const w of r.warnings ?? []) console.log(`  warning: ${w.path}: ${w.message}`);
    process.exit(r.found && r.withInstallMedia ? 0 : 1);
  });
