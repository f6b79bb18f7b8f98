// XEP-0115 entity capabilities: the verification string of §5.1 and its
// SHA-1 `ver`, computed from plain data so it can be checked against the
// XEP's worked examples (§5.2, §5.3).
#pragma once

#include <string>
#include <vector>

namespace parrot::bot::xmpp {

struct DiscoIdentity {
  std::string category;
  std::string type;
  std::string lang;
  std::string name;
};

struct DiscoFormField {
  std::string var;
  std::vector<std::string> values;
};

// An XEP-0128 extended-info form; FORM_TYPE is one of its fields.
struct DiscoForm {
  std::vector<DiscoFormField> fields;
};

std::string caps_verification_string(std::vector<DiscoIdentity> identities, std::vector<std::string> features,
                                     std::vector<DiscoForm> forms);

// Base64 of the SHA-1 of the verification string: the `ver` attribute.
std::string caps_ver(const std::vector<DiscoIdentity>& identities, const std::vector<std::string>& features,
                     const std::vector<DiscoForm>& forms = {});

}  // namespace parrot::bot::xmpp
