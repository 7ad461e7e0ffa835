#include "store/route_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace hitcounter {
namespace {

struct Value {
  std::int64_t count = 0;
};

TEST(RouteMap, FindsWhatWasInsertedAndNothingElse) {
  RouteMap<Value> map;
  auto [a, inserted] = map.Insert("/a");
  EXPECT_TRUE(inserted);
  a->value.count = 7;
  EXPECT_EQ(map.Find("/a")->value.count, 7);
  EXPECT_EQ(map.Find("/a")->route(), "/a");
  EXPECT_EQ(map.Find("/b"), nullptr);
  EXPECT_EQ(map.Find("/a/"), nullptr);
  EXPECT_FALSE(map.Insert("/a").second);
  EXPECT_EQ(map.size(), 1u);
}

TEST(RouteMap, EntriesKeepTheirAddressesWhileTheMapGrows) {
  RouteMap<Value> map;
  auto* first = map.Insert("/first").first;
  for (int i = 0; i < 20'000; ++i) map.Insert("/r/" + std::to_string(i));
  EXPECT_EQ(map.Find("/first"), first);
  EXPECT_EQ(first->route(), "/first");
}

TEST(RouteMap, RoutesOfAnyLengthAndBytesAreKeptExactly) {
  RouteMap<Value> map;
  const std::string long_route = "/" + std::string(100'000, 'x');
  const std::string odd = std::string("/nul\0byte", 9);
  map.Insert(long_route);
  map.Insert(odd);
  map.Insert("/");
  EXPECT_EQ(map.Find(long_route)->route(), long_route);
  EXPECT_EQ(map.Find(odd)->route(), odd);
  EXPECT_EQ(map.Find(std::string("/nul")), nullptr);
  EXPECT_NE(map.Find("/"), nullptr);
}

// Against std::map, with inserts and erases mixed at random: probe runs are kept intact by the
// backward-shift deletion.
TEST(RouteMap, BehavesLikeAMapUnderRandomInsertsAndErases) {
  RouteMap<Value> map;
  std::map<std::string, std::int64_t> model;
  std::mt19937 random(42);
  for (int step = 0; step < 200'000; ++step) {
    const std::string route = "/k/" + std::to_string(random() % 5'000);
    if (random() % 3 == 0) {
      if (auto* entry = map.Find(route)) map.Erase(entry);
      model.erase(route);
    } else {
      ++map.Insert(route).first->value.count;
      ++model[route];
    }
  }
  ASSERT_EQ(map.size(), model.size());
  for (const auto& [route, count] : model) {
    auto* entry = map.Find(route);
    ASSERT_NE(entry, nullptr) << route;
    EXPECT_EQ(entry->value.count, count) << route;
  }
  std::size_t visited = 0;
  map.ForEach([&](auto& entry) {
    ++visited;
    EXPECT_EQ(model.at(std::string(entry.route())), entry.value.count);
  });
  EXPECT_EQ(visited, model.size());
}

TEST(RouteMap, AnErasedRouteIsGoneAndCanComeBackEmpty) {
  RouteMap<Value> map;
  map.Insert("/a").first->value.count = 5;
  map.Erase(map.Find("/a"));
  EXPECT_EQ(map.Find("/a"), nullptr);
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.Insert("/a").first->value.count, 0);
}

}  // namespace
}  // namespace hitcounter
