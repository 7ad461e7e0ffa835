// Starts the real `hitcounter serve` on 127.0.0.1 with a free port (port 0) over a fresh SQLite
// file, for the browser tests. HITCOUNTER_BINARY names the binary (set by ctest).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// How long the server may take to print its address (ASan builds start slowly).
const kStartTimeoutMs = 30000;

// A signal ends node without its "exit" event unless handled: exit properly instead.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(1));

export async function startServer(extraArgs = []) {
  const binary = process.env.HITCOUNTER_BINARY;
  if (!binary) throw new Error("HITCOUNTER_BINARY is not set: run this test through ctest");
  const dir = mkdtempSync(path.join(tmpdir(), "hitcounter-browser-"));
  const child = spawn(binary, ["serve", "--listen", "127.0.0.1:0",
                               "--store", `sqlite:${path.join(dir, "hits.db")}`, ...extraArgs],
                      { stdio: ["ignore", "pipe", "inherit"] });
  // Whatever ends this process (a failed assertion, ctest's timeout), the server goes with it:
  // an orphan would keep the test's output open.
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  const port = await new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no address after ${kStartTimeoutMs} ms`)),
                             kStartTimeoutMs);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    async hit(route, times = 1) {
      for (let i = 0; i < times; ++i) {
        const response = await fetch(base + route);
        if (response.status !== 200) throw new Error(`${route}: ${response.status}`);
        await response.arrayBuffer();
      }
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      process.off("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
