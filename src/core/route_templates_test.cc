#include "hitcounter/route_templates.h"

#include <gtest/gtest.h>

#include "tests/support/route_template_examples.h"

namespace hitcounter {
namespace {

using testing::ExampleRouteTemplates;
using testing::kRouteTemplateExamples;

RouteTemplates Make(std::vector<std::string> texts) {
  Result<RouteTemplates> templates = RouteTemplates::Make(texts);
  EXPECT_TRUE(templates.ok()) << templates.status().message();
  return templates.ok() ? std::move(templates).value() : RouteTemplates();
}

// The route `path` counts under: its template's text, or itself.
std::string CountedAs(const RouteTemplates& templates, std::string_view path) {
  Result<std::string> route = NormalizeRoute(path);
  EXPECT_TRUE(route.ok()) << path;
  if (!route.ok()) return {};
  const std::string* matched = templates.Match(*route);
  return matched != nullptr ? *matched : *route;
}

TEST(RouteTemplatesTest, EveryExampleCountsUnderTheDocumentedRoute) {
  const RouteTemplates templates = Make(ExampleRouteTemplates());
  for (const testing::RouteTemplateExample& example : kRouteTemplateExamples) {
    EXPECT_EQ(CountedAs(templates, example.path), example.counted_as) << example.path;
  }
}

TEST(RouteTemplatesTest, NoTemplatesMatchNothing) {
  RouteTemplates none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.Match("/users/1"), nullptr);
  EXPECT_EQ(none.Match("/"), nullptr);
}

TEST(RouteTemplatesTest, AOneSegmentParameterMatchesExactlyOneSegment) {
  const RouteTemplates templates = Make({"/users/{id}"});
  EXPECT_NE(templates.Match("/users/1"), nullptr);
  EXPECT_NE(templates.Match("/users/any text é"), nullptr);
  EXPECT_EQ(templates.Match("/users"), nullptr);
  EXPECT_EQ(templates.Match("/users/1/2"), nullptr);
  EXPECT_EQ(templates.Match("/user/1"), nullptr);
  EXPECT_EQ(templates.Match("/users1/1"), nullptr);
  EXPECT_EQ(templates.Match("/"), nullptr);
}

TEST(RouteTemplatesTest, ARestParameterMatchesOneOrMoreTrailingSegments) {
  const RouteTemplates templates = Make({"/files/{path+}"});
  EXPECT_NE(templates.Match("/files/a"), nullptr);
  EXPECT_NE(templates.Match("/files/a/b/c"), nullptr);
  EXPECT_EQ(templates.Match("/files"), nullptr);
  EXPECT_EQ(templates.Match("/filesx/a"), nullptr);
  EXPECT_EQ(templates.Match("/other/a/b"), nullptr);
}

TEST(RouteTemplatesTest, ARestParameterAloneMatchesEveryRouteButTheRoot) {
  const RouteTemplates templates = Make({"/{all+}"});
  EXPECT_NE(templates.Match("/a"), nullptr);
  EXPECT_NE(templates.Match("/a/b/c"), nullptr);
  EXPECT_EQ(templates.Match("/"), nullptr);
}

TEST(RouteTemplatesTest, ParametersMayComeBetweenLiterals) {
  const RouteTemplates templates = Make({"/v1/{kind}/{id}/history"});
  EXPECT_NE(templates.Match("/v1/orders/7/history"), nullptr);
  EXPECT_EQ(templates.Match("/v1/orders/7/historyx"), nullptr);
  EXPECT_EQ(templates.Match("/v2/orders/7/history"), nullptr);
  EXPECT_EQ(templates.Match("/v1/orders/7"), nullptr);
}

TEST(RouteTemplatesTest, TheRootTemplateMatchesOnlyTheRoot) {
  const RouteTemplates templates = Make({"/"});
  EXPECT_NE(templates.Match("/"), nullptr);
  EXPECT_EQ(templates.Match("/a"), nullptr);
}

TEST(RouteTemplatesTest, TheFirstMatchingTemplateWins) {
  const RouteTemplates templates = Make({"/a/{x}", "/{y}/b", "/{z+}"});
  EXPECT_EQ(*templates.Match("/a/b"), "/a/{x}");
  EXPECT_EQ(*templates.Match("/c/b"), "/{y}/b");
  EXPECT_EQ(*templates.Match("/c/d"), "/{z+}");
}

TEST(RouteTemplatesTest, ATemplatesOwnTextCountsUnderItOrUnderTheTemplateThatShadowsIt) {
  const RouteTemplates examples = Make(ExampleRouteTemplates());
  for (const std::string& text : ExampleRouteTemplates()) {
    EXPECT_EQ(*examples.Match(text), text);
  }
  const RouteTemplates shadowed = Make({"/{a}/{b}", "/x/{c}"});
  EXPECT_EQ(*shadowed.Match("/x/{c}"), "/{a}/{b}");
}

TEST(RouteTemplatesTest, ApplyReplacesAMatchedRouteAndLeavesOthersAlone) {
  const RouteTemplates templates = Make({"/users/{id}"});
  std::string matched = "/users/12345678901234567890";
  EXPECT_TRUE(templates.Apply(matched));
  EXPECT_EQ(matched, "/users/{id}");
  std::string other = "/posts/1";
  EXPECT_FALSE(templates.Apply(other));
  EXPECT_EQ(other, "/posts/1");
}

struct Malformed {
  const char* text;
  const char* says;  // a part of the message
};

void PrintTo(const Malformed& m, std::ostream* os) { *os << m.text; }

class MalformedTemplateTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedTemplateTest, IsRefusedWithAReasonQuotingIt) {
  const std::vector<std::string> texts = {"/fine/{x}", GetParam().text};
  Result<RouteTemplates> templates = RouteTemplates::Make(texts);
  ASSERT_FALSE(templates.ok());
  EXPECT_EQ(templates.status().code(), StatusCode::kInvalidArgument);
  const std::string message = templates.status().message();
  EXPECT_NE(message.find("route template \"" + std::string(GetParam().text) + "\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(GetParam().says), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, MalformedTemplateTest,
    ::testing::Values(
        Malformed{"", "is empty"}, Malformed{"users/{id}", "must start with '/'"},
        Malformed{"/users/{}", "has no name"}, Malformed{"/files/{+}", "has no name"},
        Malformed{"/a/{id}/b/{id}", "\"id\" is used twice"},
        Malformed{"/a/{id}/b/{id+}", "\"id\" is used twice"},
        Malformed{"/users/user{id}", "braces in the middle of a segment"},
        Malformed{"/users/{id}x", "braces in the middle of a segment"},
        Malformed{"/users/{a}{b}", "braces in the middle of a segment"},
        Malformed{"/users/{", "braces in the middle of a segment"},
        Malformed{"/users/}", "braces in the middle of a segment"},
        Malformed{"/users/{{id}}", "braces in the middle of a segment"},
        Malformed{"/files/{path+}/raw", "{name+} must be the last segment"},
        Malformed{"/files/{path+}/{name}", "{name+} must be the last segment"},
        Malformed{"/users/{user id}", "ASCII letters, digits, '_' or '-'"},
        Malformed{"/users/{a+b}", "ASCII letters, digits, '_' or '-'"},
        Malformed{"/users/{id}/", "write it as routes are counted and listed: \"/users/{id}\""},
        Malformed{"/users//{id}", "write it as routes are counted and listed: \"/users/{id}\""},
        Malformed{"/caf%C3%A9/{id}", "write it as routes are counted and listed: \"/café/{id}\""},
        Malformed{"/a/../{id}", "write it as routes are counted and listed: \"/{id}\""},
        Malformed{"/users/{id}?x=1", "write it as routes are counted and listed"},
        Malformed{"/bad%zz/{id}", "is not a route"}, Malformed{"/fine/{x}", "is given twice"},
        Malformed{"/fine/{y}", "matches the same routes as \"/fine/{x}\", which comes first"}));

TEST(RouteTemplatesTest, ARestTemplateOfTheSameShapeAsAnEarlierOneIsRefused) {
  Result<RouteTemplates> templates =
      RouteTemplates::Make(std::vector<std::string>{"/a/{p+}", "/a/{x}", "/a/{q+}"});
  ASSERT_FALSE(templates.ok());
  EXPECT_NE(templates.status().message().find(
                "route template \"/a/{q+}\": matches the same routes as \"/a/{p+}\""),
            std::string::npos)
      << templates.status().message();
}

TEST(RouteTemplatesTest, ALaterTemplateMayOverlapAnEarlierOneAndWinsWhereItAloneMatches) {
  const RouteTemplates templates = Make({"/a/{x}/c", "/{y}/b/{z}", "/a/b/{w+}", "/{v+}"});
  EXPECT_EQ(*templates.Match("/a/b/c"), "/a/{x}/c");
  EXPECT_EQ(*templates.Match("/a/b/d"), "/{y}/b/{z}");
  EXPECT_EQ(*templates.Match("/a/b/d/e"), "/a/b/{w+}");
  EXPECT_EQ(*templates.Match("/a/c/d"), "/{v+}");
  EXPECT_EQ(*templates.Match("/q"), "/{v+}");
  EXPECT_EQ(templates.Match("/"), nullptr);
}

TEST(RouteTemplatesTest, AParameterNameHasABoundedLength) {
  EXPECT_TRUE(RouteTemplates::Make(
                  {{"/" + std::string("{") + std::string(kMaxTemplateNameBytes, 'n') + "}"}})
                  .ok());
  Result<RouteTemplates> long_name =
      RouteTemplates::Make({{"/{" + std::string(kMaxTemplateNameBytes + 1, 'n') + "}"}});
  ASSERT_FALSE(long_name.ok());
  EXPECT_NE(long_name.status().message().find("must be 1 to 64"), std::string::npos);
}

TEST(RouteTemplatesTest, ATemplateLongerThanARouteIsRefused) {
  const std::string longest = "/{id}/" + std::string(kMaxRouteTemplateBytes - 6, 'a');
  EXPECT_TRUE(RouteTemplates::Make({{longest}}).ok());
  Result<RouteTemplates> too_long = RouteTemplates::Make({{longest + "a"}});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("is longer than 1024 bytes"), std::string::npos);
}

TEST(RouteTemplatesTest, MoreThanTheMostTemplatesAreRefused) {
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < kMaxRouteTemplates; ++i) {
    texts.push_back("/t" + std::to_string(i) + "/{id}");
  }
  EXPECT_TRUE(RouteTemplates::Make(texts).ok());
  texts.push_back("/one/more/{id}");
  Result<RouteTemplates> too_many = RouteTemplates::Make(texts);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("more than 1000 route templates"), std::string::npos);
  std::string list;
  for (const std::string& text : texts) list += text + "\n";
  EXPECT_FALSE(RouteTemplates::Parse(list).ok());
}

TEST(RouteTemplatesTest, AListTakesNewlinesAndSemicolonsAndSkipsBlanksAndComments) {
  Result<RouteTemplates> templates = RouteTemplates::Parse(
      "# grouped routes; the first match wins\n"
      "/users/{id}\r\n"
      "\n"
      "   /files/{path+}  ;  /orders/{id};;\n"
      "  # indented comment; /not/{this}\n"
      "/carts/{id}  # a comment to the end of the line; /nor/{this}");
  ASSERT_TRUE(templates.ok()) << templates.status().message();
  EXPECT_EQ(templates->size(), 4u);
  EXPECT_EQ(*templates->Match("/carts/1"), "/carts/{id}");
  EXPECT_EQ(*templates->Match("/users/1"), "/users/{id}");
  EXPECT_EQ(*templates->Match("/files/a/b"), "/files/{path+}");
  EXPECT_EQ(*templates->Match("/orders/1"), "/orders/{id}");
  EXPECT_TRUE(RouteTemplates::Parse("").value().empty());
  EXPECT_TRUE(RouteTemplates::Parse(" ;\n# none\n").value().empty());
}

TEST(RouteTemplatesTest, AListNamesTheTemplateAtFault) {
  Result<RouteTemplates> templates = RouteTemplates::Parse("/users/{id}\n/files/{}\n");
  ASSERT_FALSE(templates.ok());
  EXPECT_NE(templates.status().message().find("\"/files/{}\""), std::string::npos);
}

TEST(RouteTemplatesTest, ATemplateUnderTheReservedPrefixIsRefused) {
  const RouteTemplates examples = Make(ExampleRouteTemplates());
  EXPECT_TRUE(examples.CheckOutsideReservedPrefix("/_").ok());
  EXPECT_TRUE(examples.CheckOutsideReservedPrefix("/admin/").ok());
  const RouteTemplates reserved = Make({"/users/{id}", "/_private/{id}"});
  Status status = reserved.CheckOutsideReservedPrefix("/_");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("\"/_private/{id}\" is under the reserved prefix \"/_\""),
            std::string::npos)
      << status.message();
  EXPECT_FALSE(Make({"/admin/{x}"}).CheckOutsideReservedPrefix("/admin/").ok());
  EXPECT_TRUE(Make({"/administrator/{x}"}).CheckOutsideReservedPrefix("/admin/").ok());
}

}  // namespace
}  // namespace hitcounter
