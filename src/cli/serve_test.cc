#include "cli/serve.h"

#include <gtest/gtest.h>

namespace hitcounter::cli {
namespace {

ServeFlags Flags(std::string admin_token = "") {
  ServeFlags flags;
  flags.store.spec = "sqlite:hits.db";
  flags.admin_token = std::move(admin_token);
  return flags;
}

// Regression: the start line named the listen URL only.
TEST(StartLine, NamesTheListenUrlTheStoreTheDashboardStatsAndThatNoTokenGuardsThem) {
  EXPECT_EQ(StartLine("127.0.0.1", "127.0.0.1", 8080, Flags()),
            std::string("hitcounter ") + HITCOUNTER_VERSION +
                " listening on http://127.0.0.1:8080 (store sqlite:hits.db); dashboard "
                "http://127.0.0.1:8080/_dashboard, stats http://127.0.0.1:8080/_stats; no admin "
                "token: they and /_metrics are open to anyone who reaches it\n");
}

TEST(StartLine, SaysThatATokenIsSetWithoutPrintingIt) {
  const std::string line = StartLine("127.0.0.1", "127.0.0.1", 8080, Flags("s3cret"));
  EXPECT_NE(line.find("; admin token set: they and /_metrics require it\n"), std::string::npos)
      << line;
  EXPECT_EQ(line.find("s3cret"), std::string::npos);
}

TEST(StartLine, FollowsTheReservedPrefix) {
  ServeFlags flags = Flags();
  flags.reserved_prefix = "/admin/";
  const std::string line = StartLine("127.0.0.1", "127.0.0.1", 80, flags);
  EXPECT_NE(line.find("dashboard http://127.0.0.1:80/admin/dashboard, stats "
                      "http://127.0.0.1:80/admin/stats;"),
            std::string::npos)
      << line;
}

// --listen :PORT, --listen localhost:PORT and --listen [::1]:PORT (issue 18, item 4).
TEST(StartLine, SaysEveryInterfaceForAPortAloneNamesAHostNameAndBracketsIpv6) {
  EXPECT_NE(StartLine("", "::", 8080, Flags())
                .find("listening on http://[::]:8080 (every interface, IPv4 and IPv6) (store"),
            std::string::npos);
  EXPECT_NE(StartLine("", "0.0.0.0", 8080, Flags())
                .find("listening on http://0.0.0.0:8080 (every IPv4 interface: this machine has "
                      "no IPv6) (store"),
            std::string::npos);
  EXPECT_NE(StartLine("localhost", "127.0.0.1", 8080, Flags())
                .find("listening on http://127.0.0.1:8080 (localhost) (store"),
            std::string::npos);
  const std::string v6 = StartLine("::1", "::1", 8080, Flags());
  EXPECT_NE(v6.find("listening on http://[::1]:8080 (store"), std::string::npos) << v6;
  EXPECT_NE(v6.find("dashboard http://[::1]:8080/_dashboard"), std::string::npos) << v6;
}

}  // namespace
}  // namespace hitcounter::cli
