// Deleter types for OpenSSL handles, so each has exactly one owner
// (std::unique_ptr with a zero-size deleter; no manual free on any path).
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace parrot::transport {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct BioMethodFree {
  void operator()(BIO_METHOD* method) const noexcept { BIO_meth_free(method); }
};
struct X509Free {
  void operator()(X509* x509) const noexcept { X509_free(x509); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
struct BignumFree {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
struct Asn1IntegerFree {
  void operator()(ASN1_INTEGER* integer) const noexcept { ASN1_INTEGER_free(integer); }
};
struct X509NameFree {
  void operator()(X509_NAME* name) const noexcept { X509_NAME_free(name); }
};
// Message digests (bytestream/stream_hasher): a fetched algorithm and a context.
struct EvpMdFree {
  void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BioMethodPtr = std::unique_ptr<BIO_METHOD, BioMethodFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumFree>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Asn1IntegerFree>;
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameFree>;
using EvpMdPtr = std::unique_ptr<EVP_MD, EvpMdFree>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;

}  // namespace parrot::transport
