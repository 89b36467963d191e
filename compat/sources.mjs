// Fetches what the suites need from Debian: the packages they build and run with, and the source
// packages that carry the suites (`apt-get source`, with deb-src entries added when missing). Everything
// lands in .compat-cache/ and is reused, so a second run costs nothing here.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../test/compat/harness/broker.mjs";
import { run, runOk } from "../test/compat/harness/process.mjs";

export const CACHE_DIR = join(REPO_ROOT, ".compat-cache");
const APT_LOCK = "/tmp/samsa-apt.lock";
const DEB_SRC_FILE = "/etc/apt/sources.list.d/samsa-deb-src.sources";
const APT_TIMEOUT_MS = 600_000;

/** Debian packages the three suites build and run with. */
export const APT_PACKAGES = [
  // librdkafka's test runner: compilers, the library it links against, and rapidjson, without which
  // the statistics-checking tests (0098, 0101, 0110) skip themselves
  "build-essential",
  "pkg-config",
  "librdkafka-dev",
  "libssl-dev",
  "libsasl2-dev",
  "libzstd-dev",
  "liblz4-dev",
  "zlib1g-dev",
  "libcurl4-openssl-dev",
  "rapidjson-dev",
  // kafka-python's tests and the codecs they exercise
  "python3",
  "python3-pytest",
  "python3-pytest-mock",
  "python3-pytest-timeout",
  "python3-mock",
  "python3-py",
  "python3-crc32c",
  "python3-lz4",
  "python3-snappy",
  "python3-xxhash",
  "python3-zstandard",
  // kafka-go ships its tests in its -dev package
  "golang-go",
  "golang-github-segmentio-kafka-go-dev",
  "dpkg-dev",
];

function asRoot(command, args) {
  return process.getuid?.() === 0 ? [command, args] : ["sudo", [command, ...args]];
}

async function apt(args) {
  const [command, argv] = asRoot("flock", [APT_LOCK, "apt-get", ...args]);
  return runOk(command, argv, { timeoutMs: APT_TIMEOUT_MS, env: { DEBIAN_FRONTEND: "noninteractive" } });
}

async function missingPackages(names) {
  // dpkg-query's own ${field} syntax, not a template literal.
  const format = "-f=$" + "{Package} $" + "{Status}\n";
  const { stdout } = await run("dpkg-query", ["-W", format, ...names], { timeoutMs: 30_000 });
  const installed = new Set(
    stdout
      .split("\n")
      .filter((l) => l.endsWith("install ok installed"))
      .map((l) => l.split(" ")[0]),
  );
  return names.filter((n) => !installed.has(n));
}

function hasDebSrc() {
  const files = [
    "/etc/apt/sources.list",
    ...listDir("/etc/apt/sources.list.d").map((f) => `/etc/apt/sources.list.d/${f}`),
  ];
  return files.some((f) => {
    if (!f.endsWith(".list") && !f.endsWith(".sources")) return false;
    const text = existsSync(f) ? readFileSync(f, "utf8") : "";
    return /^\s*deb-src\s/m.test(text) || /^Types:.*\bdeb-src\b/m.test(text);
  });
}

function listDir(dir) {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Installs the missing Debian packages; adds deb-src entries (bookworm main) when there are none. */
export async function ensureDebianPackages(log) {
  let updated = false;
  if (!hasDebSrc()) {
    log(`adding deb-src entries in ${DEB_SRC_FILE}`);
    const entry = [
      "Types: deb-src",
      "URIs: http://deb.debian.org/debian",
      "Suites: bookworm bookworm-updates",
      "Components: main",
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg",
      "",
    ].join("\n");
    const [command, argv] = asRoot("sh", ["-c", `cat > ${DEB_SRC_FILE}`]);
    await runOk(command, argv, { input: entry });
    await apt(["update", "-q"]);
    updated = true;
  }
  const missing = await missingPackages(APT_PACKAGES);
  if (missing.length > 0) {
    log(`installing ${missing.join(" ")}`);
    if (!updated) await apt(["update", "-q"]);
    await apt(["install", "-y", "-q", "--no-install-recommends", ...missing]);
  }
}

/**
 * Downloads Debian source package `name` (once) and unpacks its upstream tarball into
 * .compat-cache/src/<dir>; returns that directory. The upstream tarball holds the test suites; Debian's
 * own patches touch packaging only, and a missing debian.tar (the mirror here lacks some) does not matter.
 */
export async function ensureSourcePackage(name, log) {
  const downloads = join(CACHE_DIR, "debian-src");
  mkdirSync(downloads, { recursive: true });
  const find = () => listDir(downloads).find((f) => f.startsWith(`${name}_`) && /\.orig\.tar\.\w+$/.test(f));
  if (!find()) {
    log(`apt-get source ${name}`);
    const result = await run("apt-get", ["source", "--download-only", name], {
      cwd: downloads,
      timeoutMs: APT_TIMEOUT_MS,
    });
    if (!find()) throw new Error(`apt-get source ${name} fetched no upstream tarball:\n${result.stderr.slice(-2000)}`);
  }
  const tarball = find();
  const unpacked = join(CACHE_DIR, "src", name);
  const marker = join(unpacked, ".unpacked");
  if (!existsSync(marker)) {
    mkdirSync(unpacked, { recursive: true });
    await runOk("tar", ["xf", join(downloads, tarball), "-C", unpacked, "--strip-components=1"], {
      timeoutMs: 120_000,
    });
    writeFileSync(marker, `${tarball}\n`);
  }
  return unpacked;
}
