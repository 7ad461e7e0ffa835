// The built Lambda package as the tests see it: unpacked into an empty directory, and read with
// the binutils the build found. Paths come from tests/lambda/CMakeLists.txt.
#ifndef HITCOUNTER_TESTS_LAMBDA_LAMBDA_PACKAGE_H_
#define HITCOUNTER_TESTS_LAMBDA_LAMBDA_PACKAGE_H_

#include <stdio.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace hitcounter::testing {

// Everything `command` (run by /bin/sh) writes to stdout.
inline std::string CommandOutput(const std::string& command) {
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char chunk[4096];
    std::size_t got = 0;
    while ((got = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) output.append(chunk, got);
    pclose(pipe);
  }
  return output;
}

// The zip, unpacked into a directory of its own that lives as long as the object.
class UnpackedLambdaZip {
 public:
  UnpackedLambdaZip() {
    auto unzip = ChildProcess::Start({HITCOUNTER_CMAKE, "-E", "tar", "xf", HITCOUNTER_LAMBDA_ZIP},
                                     {}, dir_.path());
    ok_ = unzip && unzip->WaitForExit(std::chrono::seconds(30)) == 0;
  }

  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_.path(); }
  std::string bootstrap() const { return dir_.path() + "/bootstrap"; }

  // The names at the zip's root.
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  TempDir dir_;
  bool ok_ = false;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_LAMBDA_LAMBDA_PACKAGE_H_
