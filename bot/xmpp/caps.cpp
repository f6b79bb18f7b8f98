#include "bot/xmpp/caps.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <tuple>

namespace parrot::bot::xmpp {
namespace {

const std::string* form_type(const DiscoForm& form) {
  for (const auto& field : form.fields) {
    if (field.var == "FORM_TYPE" && !field.values.empty()) return &field.values.front();
  }
  return nullptr;
}

}  // namespace

std::string caps_verification_string(std::vector<DiscoIdentity> identities, std::vector<std::string> features,
                                     std::vector<DiscoForm> forms) {
  // §5.1: every sort is by octet ("i;octet" collation), which std::string's
  // operator< is. Identities sort by category, type, then xml:lang.
  std::sort(identities.begin(), identities.end(), [](const DiscoIdentity& a, const DiscoIdentity& b) {
    return std::tie(a.category, a.type, a.lang, a.name) < std::tie(b.category, b.type, b.lang, b.name);
  });
  std::string s;
  for (const auto& id : identities) s += id.category + '/' + id.type + '/' + id.lang + '/' + id.name + '<';

  std::sort(features.begin(), features.end());
  for (const auto& feature : features) s += feature + '<';

  // Forms without a FORM_TYPE are ignored (§5.4, point 3.6).
  std::erase_if(forms, [](const DiscoForm& form) { return form_type(form) == nullptr; });
  std::sort(forms.begin(), forms.end(),
            [](const DiscoForm& a, const DiscoForm& b) { return *form_type(a) < *form_type(b); });
  for (auto& form : forms) {
    s += *form_type(form) + '<';
    std::erase_if(form.fields, [](const DiscoFormField& field) { return field.var == "FORM_TYPE"; });
    std::sort(form.fields.begin(), form.fields.end(),
              [](const DiscoFormField& a, const DiscoFormField& b) { return a.var < b.var; });
    for (auto& field : form.fields) {
      s += field.var + '<';
      std::sort(field.values.begin(), field.values.end());
      for (const auto& value : field.values) s += value + '<';
    }
  }
  return s;
}

std::string caps_ver(const std::vector<DiscoIdentity>& identities, const std::vector<std::string>& features,
                     const std::vector<DiscoForm>& forms) {
  const std::string s = caps_verification_string(identities, features, forms);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest.data());
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest.size()));
  return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(length));
}

}  // namespace parrot::bot::xmpp
