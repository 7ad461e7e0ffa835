// Route templates through the real server on the store under test: the examples every door runs
// (tests/support/route_template_examples.h), with the templates from each place `serve` reads
// them, and the templates it refuses at start.
#include <cstdlib>
#include <fstream>

#include "tests/blackbox/fixture.h"
#include "tests/support/route_template_examples.h"

namespace hitcounter::testing {
namespace {

class RouteTemplatesTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "starts servers with templates of their own";
  }

  // A server on this test's (empty) store with `flags` after the store's own, in place of the
  // fixture's: a SQLite file has one owner.
  void Restart(const std::vector<std::string>& flags) {
    server_.reset();
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), flags.begin(), flags.end());
    server_ = std::make_unique<ServerProcess>(store_, args);
    ASSERT_NE(server_->port(), 0) << "the server did not start";
    client_ = std::make_unique<HttpClient>(host_, server_->port());
  }

  DoorAnswer Read(const HttpReply& reply) {
    DoorAnswer answer{reply.status, "", -1};
    rapidjson::Document body;
    body.Parse(reply.body.c_str());
    if (body.IsObject() && body.HasMember("route")) answer.route = body["route"].GetString();
    if (body.IsObject() && body.HasMember("count")) answer.count = body["count"].GetInt64();
    return answer;
  }

  void RunTheExamples() {
    ExpectTheExamplesCountUnderTheirTemplates(
        [this](std::string_view path) { return Read(client_->Get(std::string(path))); },
        [this](std::string_view path) {
          return Read(client_->Get("/_stats?" + StatsRouteQuery(path)));
        });
  }

  // `serve` with `flags` (and `environment`, "NAME=value" or empty) on this test's store: its
  // exit code, and its stderr in `output`.
  int RunServe(const std::vector<std::string>& flags, std::string* output,
               const std::string& environment = "") {
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1"};
    if (!environment.empty()) argv = {"/usr/bin/env", environment, "/bin/sh", "-c", argv[2]};
    for (const std::string& arg :
         {HitcounterBinary(), std::string("serve"), std::string("--listen"),
          std::string("127.0.0.1:0"), std::string("--store"), store_}) {
      argv.push_back(arg);
    }
    for (const std::string& flag : StoreFlags()) argv.push_back(flag);
    argv.insert(argv.end(), flags.begin(), flags.end());
    return RunToExit(argv, output);
  }
};

TEST_F(RouteTemplatesTest, TheExamplesCountUnderTheirTemplatesGivenAsFlags) {
  std::vector<std::string> flags;
  for (const std::string& text : ExampleRouteTemplates()) {
    flags.push_back("--route-template");
    flags.push_back(text);
  }
  Restart(flags);
  RunTheExamples();
}

TEST_F(RouteTemplatesTest, TheExamplesCountUnderTheirTemplatesGivenInAFile) {
  const std::string file = dir_.path() + "/route-templates.conf";
  {
    std::ofstream out(file);
    out << "# one template per line; the first match wins\n\n";
    for (const std::string& text : ExampleRouteTemplates()) out << "  " << text << "\n";
  }
  Restart({"--route-templates-file", file});
  RunTheExamples();
}

TEST_F(RouteTemplatesTest, TheExamplesCountUnderTheirTemplatesGivenInTheEnvironment) {
  std::string list;
  for (const std::string& text : ExampleRouteTemplates()) list += text + ";";
  // The server inherits this process's environment; the tests of a process run one at a time.
  ASSERT_EQ(setenv("HITCOUNTER_ROUTE_TEMPLATES", list.c_str(), 1), 0);
  Restart({});
  unsetenv("HITCOUNTER_ROUTE_TEMPLATES");
  RunTheExamples();
}

TEST_F(RouteTemplatesTest, ReservedEndpointsStayReservedUnderACatchAllTemplate) {
  Restart({"--route-template", "/{page}", "--route-template", "/{first}/{rest+}"});
  HttpReply health = client_->Get("/_health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(Json(health)["status"].GetString(), std::string("ok"));
  EXPECT_EQ(client_->Get("/_nothing").status, 404);
  EXPECT_EQ(Read(client_->Get("/about")).route, "/{page}");
  EXPECT_EQ(Read(client_->Get("/a/b/c")).route, "/{first}/{rest+}");
  EXPECT_EQ(client_->Get("/_stats?route=%2F_health").status, 404);
  rapidjson::Document listing = Json(client_->Get("/_stats"));
  ASSERT_TRUE(listing["routes"].IsArray());
  EXPECT_EQ(listing["routes"].Size(), 2u) << "only the two templates were counted";
}

TEST_F(RouteTemplatesTest, ARateLimitRuleNamesTheTemplateAndItsHitsShareOneWindow) {
  const std::string rules = dir_.path() + "/limits.conf";
  std::ofstream(rules) << "/users/{id} 2/1d\n";
  Restart({"--route-template", "/users/{id}", "--rate-limit-file", rules});
  EXPECT_EQ(client_->Get("/users/1").status, 200);
  EXPECT_EQ(client_->Get("/users/2").status, 200);
  HttpReply refused = client_->Get("/users/3");
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(Json(refused)["route"].GetString(), std::string("/users/{id}"));
  EXPECT_EQ(CountOf("%2Fusers%2F4"), 2) << "asked for by a path the template matches";
}

TEST_F(RouteTemplatesTest, AMalformedTemplateStopsTheServerAtStartWithAReason) {
  struct Refusal {
    std::vector<std::string> flags;
    std::string says;
  };
  const std::string file = dir_.path() + "/bad.conf";
  std::ofstream(file) << "/users/{id}\n/files/{path+}/raw\n";
  const std::vector<Refusal> refusals = {
      {{"--route-template", "/users/{}"}, "--route-template: route template \"/users/{}\""},
      {{"--route-template", "/a/{id}/{id}"}, "\"id\" is used twice"},
      {{"--route-template", "/users/user{id}"}, "braces in the middle of a segment"},
      {{"--route-template", "/users/{id}/"}, "write it as routes are counted and listed"},
      {{"--route-template", "/_admin/{x}"}, "under the reserved prefix \"/_\""},
      {{"--route-template", "/a/{x}", "--route-template", "/a/{x}"}, "is given twice"},
      {{"--route-templates-file", file},
       "bad.conf: route template \"/files/{path+}/raw\": {name+}"},
      {{"--route-templates-file", dir_.path() + "/missing.conf"}, "cannot read it"},
  };
  for (const Refusal& refusal : refusals) {
    std::string output;
    EXPECT_EQ(RunServe(refusal.flags, &output), 1) << refusal.says;
    EXPECT_NE(output.find(refusal.says), std::string::npos) << output;
  }
  std::string output;
  EXPECT_EQ(RunServe({}, &output, "HITCOUNTER_ROUTE_TEMPLATES=/ok/{x};/files/{}"), 1);
  EXPECT_NE(output.find("route template \"/files/{}\": the parameter \"{}\" has no name"),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace hitcounter::testing
