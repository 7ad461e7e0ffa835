// Counts stay exact when many clients hit the same routes at once.
#include <set>
#include <thread>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

using ConcurrencyTest = BlackBoxTest;

TEST_F(ConcurrencyTest, ThirtyTwoClientsTimesFiveHundredHitsOverTenRoutesAreExact) {
  constexpr int kClients = 32;
  constexpr int kHitsPerClient = 500;
  constexpr int kRoutes = 10;
  std::vector<std::vector<std::int64_t>> returned(kClients * kRoutes);
  std::vector<int> failures(kClients, 0);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(host_, port_);
      for (int i = 0; i < kHitsPerClient; ++i) {
        int r = (c + i) % kRoutes;
        HttpReply reply = client.Get(Route("/r" + std::to_string(r)));
        rapidjson::Document doc;
        doc.Parse(reply.body.c_str());
        if (reply.status != 200 || doc.HasParseError()) {
          ++failures[static_cast<std::size_t>(c)];
          continue;
        }
        returned[static_cast<std::size_t>(c * kRoutes + r)].push_back(doc["count"].GetInt64());
      }
    });
  }
  for (std::thread& client : clients) client.join();
  for (int c = 0; c < kClients; ++c) EXPECT_EQ(failures[static_cast<std::size_t>(c)], 0);
  for (int r = 0; r < kRoutes; ++r) {
    std::set<std::int64_t> unique;
    std::size_t total = 0;
    for (int c = 0; c < kClients; ++c) {
      for (std::int64_t count : returned[static_cast<std::size_t>(c * kRoutes + r)]) {
        unique.insert(count);
        ++total;
      }
    }
    const std::int64_t sent = kClients * kHitsPerClient / kRoutes;
    EXPECT_EQ(CountOf(Route("/r" + std::to_string(r))), sent);
    EXPECT_EQ(total, static_cast<std::size_t>(sent));
    EXPECT_EQ(unique.size(), total) << "a count was returned twice on route " << r;
    EXPECT_EQ(*unique.begin(), 1);
    EXPECT_EQ(*unique.rbegin(), sent);
  }
}

}  // namespace
}  // namespace hitcounter::testing
