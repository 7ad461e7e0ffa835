// Small text helpers shared by the parsers of settings, rules and AWS files.
#ifndef HITCOUNTER_CORE_TEXT_H_
#define HITCOUNTER_CORE_TEXT_H_

#include <string>
#include <string_view>

namespace hitcounter {

// `text` without leading and trailing spaces, tabs and carriage returns: the blanks of one line
// of a rules or templates file.
inline std::string_view TrimBlanks(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r";
  const std::size_t first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kBlanks) - first + 1);
}

// `text` without leading and trailing whitespace (" \t\n\v\f\r"), as the AWS SDKs trim values.
inline std::string_view TrimWhitespace(std::string_view text) {
  constexpr std::string_view kWhitespace = " \t\n\v\f\r";
  const std::size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

// `text` with ASCII letters lowered; other bytes as they are, whatever the locale.
inline std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_TEXT_H_
