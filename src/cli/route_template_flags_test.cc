#include "cli/route_template_flags.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <CLI/CLI.hpp>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace hitcounter::cli {
namespace {

// The flags as `hitcounter serve` would parse `args`.
RouteTemplateFlags Parse(std::vector<std::string> args) {
  CLI::App app;
  RouteTemplateFlags flags;
  AddRouteTemplateFlags(app, flags);
  args.insert(args.begin(), "serve");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return flags;
}

class RouteTemplateFlagsTest : public ::testing::Test {
 protected:
  std::string File(const std::string& text) {
    const std::string path = dir_.path() + "/templates.conf";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  testing::TempDir dir_;
};

TEST_F(RouteTemplateFlagsTest, TheFlagsTemplatesComeFirstThenTheFiles) {
  RouteTemplateFlags flags = Parse({"--route-template", "/a/{x}", "--route-template", "/b/{y}",
                                    "--route-templates-file", File("# file\n/{z}/b\n/c/{w+}\n")});
  Result<RouteTemplates> templates = LoadRouteTemplates(flags, "/_");
  ASSERT_TRUE(templates.ok()) << templates.status().message();
  EXPECT_EQ(templates->size(), 4u);
  EXPECT_EQ(*templates->Match("/a/b"), "/a/{x}");
  EXPECT_EQ(*templates->Match("/x/b"), "/{z}/b");
  EXPECT_EQ(*templates->Match("/c/1/2"), "/c/{w+}");
}

TEST_F(RouteTemplateFlagsTest, TheEnvironmentHoldsAListAndTheFlagsWin) {
  ASSERT_EQ(setenv("HITCOUNTER_ROUTE_TEMPLATES", "/users/{id};/files/{path+}\n/x/{y}", 1), 0);
  Result<RouteTemplates> from_env = LoadRouteTemplates(Parse({}), "/_");
  Result<RouteTemplates> from_flag =
      LoadRouteTemplates(Parse({"--route-template", "/only/{one}"}), "/_");
  unsetenv("HITCOUNTER_ROUTE_TEMPLATES");
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->size(), 3u);
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->size(), 1u);
}

TEST_F(RouteTemplateFlagsTest, NoFlagsNoTemplates) {
  Result<RouteTemplates> templates = LoadRouteTemplates(Parse({}), "/_");
  ASSERT_TRUE(templates.ok());
  EXPECT_TRUE(templates->empty());
}

TEST_F(RouteTemplateFlagsTest, ErrorsNameTheFlagOrFileTheTemplateCameFrom) {
  auto message = [](const RouteTemplateFlags& flags, std::string_view prefix = "/_") {
    Result<RouteTemplates> templates = LoadRouteTemplates(flags, prefix);
    return templates.ok() ? std::string("accepted") : templates.status().message();
  };
  EXPECT_EQ(message(Parse({"--route-template", "/a/{}"})),
            "--route-template: route template \"/a/{}\": the parameter \"{}\" has no name");
  const std::string file = File("/fine/{x}\n/bad/{x}/{x}\n");
  EXPECT_EQ(message(Parse({"--route-templates-file", file})),
            "--route-templates-file " + file +
                ": route template \"/bad/{x}/{x}\": the parameter name \"x\" is used twice");
  const std::string duplicate = File("/a/{x}\n");
  EXPECT_EQ(message(Parse({"--route-template", "/a/{x}", "--route-templates-file", duplicate})),
            "--route-template and --route-templates-file " + duplicate +
                ": route template \"/a/{x}\" is given twice");
  EXPECT_NE(message(Parse({"--route-template", "/admin/{x}"}), "/admin/")
                .find("--route-template: route template \"/admin/{x}\" is under the reserved "
                      "prefix \"/admin/\""),
            std::string::npos);
  EXPECT_EQ(message(Parse({"--route-templates-file", dir_.path() + "/missing"})),
            "--route-templates-file " + dir_.path() + "/missing: cannot read it");
}

TEST_F(RouteTemplateFlagsTest, AFileLargerThanTheBoundIsRefused) {
  std::string big(kMaxRouteTemplatesFileBytes + 1, '#');
  const std::string file = File(big);
  Result<RouteTemplates> templates =
      LoadRouteTemplates(Parse({"--route-templates-file", file}), "/_");
  ASSERT_FALSE(templates.ok());
  EXPECT_NE(templates.status().message().find("larger than 1048576 bytes"), std::string::npos);
}

}  // namespace
}  // namespace hitcounter::cli
