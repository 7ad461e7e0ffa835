#include "aws/amazon_roots.h"

namespace hitcounter::aws {

bool IsAmazonTrustHost(std::string_view host) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  return host.size() > kSuffix.size() && host.substr(host.size() - kSuffix.size()) == kSuffix;
}

}  // namespace hitcounter::aws
