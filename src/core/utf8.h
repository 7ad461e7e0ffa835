// Strict UTF-8 checking for route text.
//
// Hand-written on purpose: it is small, the rules are fixed (RFC 3629), and the check is fused
// with the control-character rule that no UTF-8 library offers.
#ifndef HITCOUNTER_CORE_UTF8_H_
#define HITCOUNTER_CORE_UTF8_H_

#include <string_view>

#include "hitcounter/status.h"

namespace hitcounter {

// OK when `text` is valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF)
// and holds no control character (U+0000-U+001F, U+007F-U+009F). kInvalidArgument otherwise.
Status CheckReadableUtf8(std::string_view text);

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_UTF8_H_
