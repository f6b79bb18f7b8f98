// Strict RFC 4648 §4 base64 for bytestream payloads (XEP-0047 data blocks,
// XEP-0300 hash values): whitespace between characters is skipped (XEP-0047's
// own example wraps lines), everything else must be canonical: only the
// alphabet, a length that is a multiple of four, and at most two '=' only at
// the end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parrot::transport::bytestream {

enum class Base64Status {
  kOk,
  kMalformed,  // a character outside the alphabet, bad length or misplaced padding
  kTooLarge,   // decodes to more than the caller's limit (checked before decoding)
};

// Replaces out with the decoded bytes (cleared on any error). Never throws
// except std::bad_alloc; decodes at most max_decoded_bytes.
Base64Status base64_decode(std::string_view text, std::size_t max_decoded_bytes, std::vector<std::byte>& out);

std::string base64_encode(const void* data, std::size_t size);

}  // namespace parrot::transport::bytestream
