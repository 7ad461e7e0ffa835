// A self-signed certificate and key for "localhost", for TLS stand-in servers in tests only.
#ifndef HITCOUNTER_TESTS_SUPPORT_LOCALHOST_TLS_H_
#define HITCOUNTER_TESTS_SUPPORT_LOCALHOST_TLS_H_

namespace hitcounter::testing {

// A self-signed certificate for "localhost" (EC P-256, valid until 2126), for tests only.
inline constexpr const char* kLocalhostCert = R"(-----BEGIN CERTIFICATE-----
MIIBljCCATugAwIBAgIUOui8qLCo1JYfsZS3jS4+wF5Lxk0wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNjE3MTUzMVoYDzIxMjYxMTAy
MTcxNTMxWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASOjcQIiB2Ou0PaU9+h47VZJbwoujyc/GkxBQYt8c7MHp7YwFg1sfmM
Nf1B8hQ0GZ2unpl4oGMtltoiHjTYRSv/o2kwZzAdBgNVHQ4EFgQUSoi06dImm+CC
vjAD6hrDGoAv6Q8wHwYDVR0jBBgwFoAUSoi06dImm+CCvjAD6hrDGoAv6Q8wDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SQAwRgIhAMmkekJvcCOUTc7qwqg+3BhNePtDd9iZ/n32dzF5m4b0AiEAh59NAcki
jiiKTxsx37ViZrJeSJ0kpCNV0oblYF+xoro=
-----END CERTIFICATE-----
)";
inline constexpr const char* kLocalhostKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgE47MZOcXFnaTEF5j
W3xOLlmAAfMLC4AqFL6EotcQZrahRANCAASOjcQIiB2Ou0PaU9+h47VZJbwoujyc
/GkxBQYt8c7MHp7YwFg1sfmMNf1B8hQ0GZ2unpl4oGMtltoiHjTYRSv/
-----END PRIVATE KEY-----
)";

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_LOCALHOST_TLS_H_
