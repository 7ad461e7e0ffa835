// Lambda cold start and per-invocation cost: hitcounter's bootstrap (from the built zip) next to
// a Node.js 20 handler doing the same UpdateItem with @aws-sdk/client-dynamodb, both driven
// through the same Runtime API emulator against the same DynamoDB Local. Run by
// bench/lambda_bench.sh, which says how.
//
//   cold start  exec of the runtime -> its first GET /next (median of --runs starts)
//   first hit   the first invocation after that, handed out at once (odd runs) or 100 ms
//               later (even runs): the bootstrap opens its DynamoDB connection as soon as it
//               has asked for its event, so a later event finds it open; Node.js opens it then
//   warm        per-invocation latency over --invocations events (emulator's view: event
//               handed out -> answer received), p50 and p99
//   RSS         the runtime's resident memory after 100 and after --invocations events
//
// Then the start-up alone, exec -> first GET /next, for a bare C program that only asks for an
// event (the floor) and for the bootstrap with an http endpoint and with AWS's https endpoint
// (its CAs compiled in; that endpoint cannot be reached from here, so no invocation), runs
// alternating between the three; and the bootstrap over https end to end, through a local TLS
// proxy in front of DynamoDB Local with a CA the bench makes (trusted via SSL_CERT_FILE).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/dynamodb_table.h"
#include "tests/lambda/lambda_package.h"
#include "tests/lambda/runtime_api_emulator.h"
#include "tests/support/local_dynamodb.h"
#include "tests/support/test_ca.h"
#include "tests/support/tls_proxy.h"

namespace hitcounter::bench {
namespace {

using testing::ChildProcess;
using testing::LocalDynamoDb;
using testing::RuntimeApiEmulator;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kWait = 30s;
// How long after the runtime asked the "later" first events come: more than any connection
// takes to open here, as when Lambda initialised the environment ahead of the request
// (provisioned concurrency, or its own initialisation ahead of demand).
constexpr auto kFirstEventDelay = 100ms;

struct Options {
  int runs = 20;
  int invocations = 1000;
  int warmup = 2000;     // invocations first, unmeasured: DynamoDB Local's JVM is slow when cold
  std::string node_dir;  // bench/lambda_node, with node_modules; empty: C++ only
};

struct Figures {
  double cold_ms = 0;
  double first_hit_ms = 0;        // the first event handed out as soon as it was asked for
  double first_hit_later_ms = 0;  // the first event handed out kFirstEventDelay later
  double p50_ms = 0;
  double p99_ms = 0;
  long rss_100_kb = 0;
  long rss_end_kb = 0;
  bool ok = false;
};

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

long RssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string Event(int i) {
  return R"({"version":"2.0","rawPath":"/bench/)" + std::to_string(i % 10) +
         R"(","rawQueryString":"","requestContext":{"stage":"$default","http":{"method":"GET"}}})";
}

bool Answered200(const std::optional<RuntimeApiEmulator::Outcome>& outcome) {
  return outcome && outcome->kind == RuntimeApiEmulator::Outcome::Kind::kResponse &&
         outcome->body.find("\"statusCode\":200") != std::string::npos;
}

class Runtime {
 public:
  Runtime(std::vector<std::string> argv, std::string cwd, std::vector<std::string> env)
      : argv_(std::move(argv)), cwd_(std::move(cwd)), env_(std::move(env)) {}

  // Starts the runtime against `emulator`; the time from exec to its first GET /next.
  std::optional<Clock::duration> Start(RuntimeApiEmulator& emulator,
                                       std::unique_ptr<ChildProcess>& process) const {
    std::vector<std::string> env = env_;
    env.push_back("AWS_LAMBDA_RUNTIME_API=" + emulator.address());
    const Clock::time_point start = Clock::now();
    process = ChildProcess::Start(argv_, env, cwd_);
    if (!process) return std::nullopt;
    std::optional<Clock::time_point> first_next = emulator.WaitForFirstNext(kWait);
    if (!first_next) return std::nullopt;
    return *first_next - start;
  }

 private:
  std::vector<std::string> argv_;
  std::string cwd_;
  std::vector<std::string> env_;
};

Figures Measure(const char* name, const Runtime& runtime, const Options& options) {
  Figures figures;
  std::vector<double> cold, first, first_later;
  for (int run = 0; run < options.runs; ++run) {
    RuntimeApiEmulator emulator;
    std::unique_ptr<ChildProcess> process;
    std::optional<Clock::duration> took = runtime.Start(emulator, process);
    if (!took) return figures;
    cold.push_back(Millis(*took));
    // Every other run, the first event comes a while after the runtime asked for it, as when
    // Lambda initialised the environment ahead of the request.
    const bool later = run % 2 == 1;
    if (later) std::this_thread::sleep_for(kFirstEventDelay);
    const Clock::time_point hit = Clock::now();
    if (!Answered200(emulator.InvokeAndWait(Event(run), kWait))) return figures;
    (later ? first_later : first).push_back(Millis(Clock::now() - hit));
  }
  figures.cold_ms = Percentile(cold, 0.5);
  figures.first_hit_ms = Percentile(first, 0.5);
  figures.first_hit_later_ms = Percentile(first_later, 0.5);

  RuntimeApiEmulator emulator;
  std::unique_ptr<ChildProcess> process;
  if (!runtime.Start(emulator, process)) return figures;
  std::vector<double> latencies;
  for (int i = 1; i <= options.invocations; ++i) {
    const Clock::time_point start = Clock::now();
    if (!Answered200(emulator.InvokeAndWait(Event(i), kWait))) return figures;
    latencies.push_back(Millis(Clock::now() - start));
    if (i == 100) figures.rss_100_kb = RssKb(process->pid());
  }
  figures.rss_end_kb = RssKb(process->pid());
  figures.p50_ms = Percentile(latencies, 0.5);
  figures.p99_ms = Percentile(latencies, 0.99);
  figures.ok = true;
  std::printf(
      "%-22s cold %7.2f ms  first hit %7.2f ms (%.2f ms %d ms later)  warm p50 %6.3f ms "
      "p99 %6.3f ms  RSS %6.1f MB @100, %6.1f MB @%d\n",
      name, figures.cold_ms, figures.first_hit_ms, figures.first_hit_later_ms,
      static_cast<int>(kFirstEventDelay.count()), figures.p50_ms, figures.p99_ms,
      static_cast<double>(figures.rss_100_kb) / 1024.0,
      static_cast<double>(figures.rss_end_kb) / 1024.0, options.invocations);
  std::fflush(stdout);
  return figures;
}

// Serves `invocations` events, unmeasured, so that the engine is warm for both runtimes.
bool WarmUp(const Runtime& runtime, int invocations) {
  RuntimeApiEmulator emulator;
  std::unique_ptr<ChildProcess> process;
  if (!runtime.Start(emulator, process)) return false;
  for (int i = 0; i < invocations; ++i) {
    if (!Answered200(emulator.InvokeAndWait(Event(i), kWait))) return false;
  }
  return true;
}

struct ColdStart {
  double median_ms = 0;
  double min_ms = 0;  // the run least disturbed by the machine's other work
};

// Cold starts only (exec -> first GET /next), run after run alternating between `runtimes`, so
// that a change in the machine's load falls on each alike. The median and minimum of each, in
// order; empty when one could not start.
std::vector<ColdStart> AlternatingColdStarts(const std::vector<const Runtime*>& runtimes,
                                             int runs) {
  std::vector<std::vector<double>> cold(runtimes.size());
  for (int run = 0; run < runs; ++run) {
    for (std::size_t i = 0; i < runtimes.size(); ++i) {
      RuntimeApiEmulator emulator;
      std::unique_ptr<ChildProcess> process;
      std::optional<Clock::duration> took = runtimes[i]->Start(emulator, process);
      if (!took) return {};
      cold[i].push_back(Millis(*took));
    }
  }
  std::vector<ColdStart> figures;
  for (const std::vector<double>& values : cold) {
    figures.push_back({Percentile(values, 0.5), Percentile(values, 0.0)});
  }
  return figures;
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs") options.runs = std::stoi(argv[i + 1]);
    if (flag == "--invocations") options.invocations = std::stoi(argv[i + 1]);
    if (flag == "--node") options.node_dir = argv[i + 1];
    if (flag == "--warmup") options.warmup = std::stoi(argv[i + 1]);
  }
  options.runs = std::max(options.runs, 1);
  options.invocations = std::max(options.invocations, 100);
  return options;
}

int Run(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  // The runtimes inherit this environment, and an inherited SSL_CERT_FILE or SSL_CERT_DIR would
  // replace the compiled-in Amazon roots: measure what Lambda runs, where neither is set.
  unsetenv("SSL_CERT_FILE");
  unsetenv("SSL_CERT_DIR");
  std::string error;
  auto engine = LocalDynamoDb::Start(LocalDynamoDb::Engine::kDynamoDbLocal, &error);
  if (!engine) {
    std::fprintf(stderr, "cannot start DynamoDB Local: %s\n", error.c_str());
    return 1;
  }
  const std::string table = "lambda-bench-" + std::to_string(getpid());
  const std::vector<std::string> env = {"TABLE_NAME=" + table, "AWS_REGION=us-east-1",
                                        "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
                                        "AWS_ENDPOINT_URL_DYNAMODB=" + engine->endpoint_url()};
  aws::Environment settings_env = {{"AWS_REGION", "us-east-1"},
                                   {"AWS_ACCESS_KEY_ID", "bench"},
                                   {"AWS_SECRET_ACCESS_KEY", "bench"},
                                   {"AWS_ENDPOINT_URL_DYNAMODB", engine->endpoint_url()}};
  Result<DynamoDbSettings> settings =
      ResolveDynamoDbSettings(table, {}, settings_env, aws::StaticKeyCredentials);
  if (!settings.ok() || !CreateDynamoDbTable(*settings, std::nullopt).ok()) {
    std::fprintf(stderr, "cannot create the table\n");
    return 1;
  }
  testing::UnpackedLambdaZip zip;
  if (!zip.ok()) return 1;
  std::printf(
      "DynamoDB Local on %s, warmed with %d hits; %d cold starts each, then %d "
      "invocations\n",
      engine->endpoint_url().c_str(), options.warmup, options.runs, options.invocations);
  const Runtime cpp_runtime({zip.bootstrap()}, zip.dir(), env);
  if (!WarmUp(cpp_runtime, options.warmup)) return 1;
  Figures cpp = Measure("C++ bootstrap (zip)", cpp_runtime, options);
  if (!cpp.ok) return 1;

  // Over https end to end: DynamoDB Local behind a local TLS proxy.
  testing::TestCa ca("lambda bench CA");
  testing::TlsProxy proxy(ca.IssueServerCertificate("127.0.0.1"),
                          static_cast<std::uint16_t>(engine->port()));
  const std::string ca_file = zip.dir() + "/bench-ca.pem";
  std::ofstream(ca_file) << ca.certificate_pem();
  std::vector<std::string> proxied_env = env;
  proxied_env.back() =
      "AWS_ENDPOINT_URL_DYNAMODB=https://127.0.0.1:" + std::to_string(proxy.port());
  proxied_env.push_back("SSL_CERT_FILE=" + ca_file);
  const std::size_t handshakes_before = proxy.handshakes();
  Figures tls =
      Measure("C++ bootstrap, https", Runtime({zip.bootstrap()}, zip.dir(), proxied_env), options);
  if (!tls.ok) return 1;
  // Each start: one connection opened during init, reused by every invocation.
  std::printf("  (%zu TLS handshakes for %d starts and %d invocations)\n",
              proxy.handshakes() - handshakes_before, options.runs + 1,
              options.runs + options.invocations);

  std::vector<std::string> aws_env = env;
  aws_env.pop_back();  // no endpoint override: https://dynamodb.us-east-1.amazonaws.com
  const Runtime bare({HITCOUNTER_BARE_RUNTIME}, zip.dir(), {});
  const Runtime aws_runtime({zip.bootstrap()}, zip.dir(), aws_env);
  std::vector<ColdStart> cold =
      AlternatingColdStarts({&bare, &cpp_runtime, &aws_runtime}, options.runs);
  if (cold.size() != 3) return 1;
  std::printf("start-up only, exec -> first GET /next, %d runs alternating (median, min):\n",
              options.runs);
  const char* names[] = {"bare C runtime", "C++ bootstrap, http endpoint",
                         "C++ bootstrap, AWS https endpoint (Amazon roots)"};
  for (std::size_t i = 0; i < cold.size(); ++i) {
    std::printf("  %-48s %6.2f ms (%+.2f), min %5.2f ms (%+.2f)\n", names[i], cold[i].median_ms,
                cold[i].median_ms - cold[0].median_ms, cold[i].min_ms,
                cold[i].min_ms - cold[0].min_ms);
  }
  if (options.node_dir.empty()) return 0;
  Figures node = Measure(
      "Node.js 20 + SDK v3",
      Runtime({"node", options.node_dir + "/bootstrap.mjs"}, options.node_dir, env), options);
  if (!node.ok) return 1;
  std::printf(
      "Node / C++: cold start %.1fx, first hit %.1fx, warm p50 %.1fx, p99 %.1fx, "
      "RSS %.1fx\n",
      node.cold_ms / cpp.cold_ms, node.first_hit_ms / cpp.first_hit_ms, node.p50_ms / cpp.p50_ms,
      node.p99_ms / cpp.p99_ms,
      static_cast<double>(node.rss_end_kb) / static_cast<double>(cpp.rss_end_kb));
  return 0;
}

}  // namespace
}  // namespace hitcounter::bench

int main(int argc, char** argv) { return hitcounter::bench::Run(argc, argv); }
