// The machine a benchmark ran on, for results.json and the "Machine" section of BENCHMARKS.md:
// CPU, memory, disk and its fsync speed, OS, and the versions of every program in the comparison.
// Not a benchmark by itself: bench/run.mjs imports it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "./throughput.mjs";

const GIB = 1024 ** 3;

function sh(command) {
  const res = spawnSync("sh", ["-c", command], { encoding: "utf8", timeout: 60_000 });
  return `${res.stdout ?? ""}${res.stderr ?? ""}`.trim();
}

function firstMatch(text, re) {
  return re.exec(text)?.[1]?.trim() ?? "unknown";
}

/** MB/s of a `dd` run (its last line ends with the rate); the caller's dir is removed afterwards. */
function ddRate(args) {
  const dir = mkdtempSync(join(tmpdir(), "samsa-bench-dd-"));
  try {
    const out = sh(`dd if=/dev/zero of=${join(dir, "f")} ${args} 2>&1`);
    return firstMatch(out, /, ([\d.,]+ [kMG]?B\/s)\s*$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Milliseconds per MB that `dd` takes to write into the page cache (no sync): `mb` MB, the next
 * 2 x `mb` MB, then `mb` MB right after deleting both. This VM keeps about 1 GiB of freed memory and
 * hands the rest back to its host, so page-cache growth beyond that costs several times more
 * kernel time, which every broker's produce rows pay (bench/README.md).
 */
function pageCacheCost(mb) {
  const dir = mkdtempSync(join(tmpdir(), "samsa-bench-pagecache-"));
  const write = (name, count) => {
    const t0 = performance.now();
    sh(`dd if=/dev/zero of=${join(dir, name)} bs=1M count=${count} 2>&1`);
    return Number(((performance.now() - t0) / count).toFixed(2));
  };
  try {
    const firstMsPerMb = write("a", mb);
    const nextMsPerMb = write("b", 2 * mb);
    rmSync(join(dir, "a"));
    rmSync(join(dir, "b"));
    return { mb, firstMsPerMb, nextMsPerMb, justFreedMsPerMb: write("c", mb) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Describes this machine; `quick` writes less data to time the disk. */
export function describeMachine({ quick = false } = {}) {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const swapKb = Number(firstMatch(meminfo, /^SwapTotal:\s+(\d+)/m));
  const dfLine = sh(`df -T -B1 ${tmpdir()} | tail -1`).split(/\s+/);
  const perf = join(ROOT, ".bench-out/rdkafka_performance");
  const pkg = (name) => {
    const file = join(ROOT, "node_modules", name, "package.json");
    return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : "not installed";
  };
  const syncCount = quick ? 250 : 1000;
  // Before the dd runs below: the memory they free would be reused at once.
  const pageCache = pageCacheCost(quick ? 512 : 1024);
  return {
    cpu: firstMatch(cpuinfo, /^model name\s*:\s*(.+)$/m),
    cpuMhz: firstMatch(cpuinfo, /^cpu MHz\s*:\s*(.+)$/m),
    cores: availableParallelism(),
    memoryGiB: Number((totalmem() / GIB).toFixed(1)),
    swapGiB: Number.isNaN(swapKb) ? 0 : Number((swapKb / 1024 / 1024).toFixed(1)),
    kernel: sh("uname -r"),
    os: firstMatch(readFileSync("/etc/os-release", "utf8"), /^PRETTY_NAME="?([^"\n]+)"?$/m),
    virtualization: sh("systemd-detect-virt 2>/dev/null || echo unknown"),
    disk: { device: dfLine[0], fs: dfLine[1], sizeGB: Math.round(Number(dfLine[2]) / 1e9), dir: tmpdir() },
    diskWrite: ddRate(`bs=1M count=${quick ? 128 : 512} conv=fdatasync`),
    diskSyncWrite4k: ddRate(`bs=4k count=${syncCount} oflag=dsync`),
    pageCache,
    node: process.version,
    librdkafka: existsSync(perf) ? firstMatch(sh(`${perf} -h`), /librdkafka version (\S+)/) : "not built",
    kafkaJavascript: pkg("@confluentinc/kafka-javascript"),
    java: firstMatch(sh("java -version 2>&1"), /version "([^"]+)"/),
    natsServer: firstMatch(sh("nats-server --version 2>&1"), /v?(\d+\.\d+\.\d+)/),
    natsClient: pkg("nats"),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}
