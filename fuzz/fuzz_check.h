// What the fuzz targets share: FUZZ_CHECK, an invariant that must hold for every input (a
// failure aborts, which libFuzzer reports as a crash and saves the input), and small checks of
// the documents the code produces.
#ifndef HITCOUNTER_FUZZ_FUZZ_CHECK_H_
#define HITCOUNTER_FUZZ_FUZZ_CHECK_H_

#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace hitcounter::fuzz {

// Parses `text` as strict JSON (valid UTF-8 required, iteratively: any depth) into `doc`.
// Returns whether it is a JSON document.
inline bool ParseStrictJson(std::string_view text, rapidjson::Document& doc) {
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                    text.size());
  return !doc.HasParseError();
}

// object[name], or nullptr when `object` is not an object or has no such member.
inline const rapidjson::Value* MemberOf(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

inline std::string_view View(const rapidjson::Value& string) {
  return {string.GetString(), string.GetStringLength()};
}

}  // namespace hitcounter::fuzz

#endif  // HITCOUNTER_FUZZ_FUZZ_CHECK_H_
