// Result bookkeeping shared by the runner and the report: allowlist matching and counts.

/** True when allowlist key `pattern` (exact, or a prefix ending in `*`) names `test`. */
export function allowlistMatches(pattern, test) {
  return pattern.endsWith("*") ? test.startsWith(pattern.slice(0, -1)) : pattern === test;
}

/**
 * Marks each failed test an allowlist entry names as "allowlisted" (keeping the entry's reason);
 * returns the tests and the entries that matched no failure (stale: the feature may exist now).
 */
export function applyAllowlist(tests, entries) {
  const used = new Set();
  const out = tests.map((t) => {
    const key = Object.keys(entries).find((k) => allowlistMatches(k, t.name));
    if (key === undefined || t.status !== "failed") return t;
    used.add(key);
    return { ...t, status: "allowlisted", reason: entries[key] };
  });
  return { tests: out, stale: Object.keys(entries).filter((k) => !used.has(k)) };
}

/** Counts by status; `run` is every test the suite executed (skipped ones excluded). */
export function summarize(tests) {
  const count = (s) => tests.filter((t) => t.status === s).length;
  const passed = count("passed");
  const failed = count("failed");
  const allowlisted = count("allowlisted");
  return { run: passed + failed + allowlisted, passed, failed, allowlisted, skipped: count("skipped") };
}
