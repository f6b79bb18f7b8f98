#include "bot/store/store_location.hpp"

#include <libpq-fe.h>

#include <memory>

namespace parrot::bot {
namespace {

constexpr std::string_view kSchemes[] = {"postgresql://", "postgres://"};

// The scheme's length if `url` starts with one libpq reads as a URL, else 0.
std::size_t scheme_length(std::string_view url) {
  for (const std::string_view scheme : kSchemes) {
    if (url.substr(0, scheme.size()) == scheme) return scheme.size();
  }
  return 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// libpq percent-decodes a parameter's name too, so "p%61ssword=" is a
// password: compare names decoded.
std::string percent_decoded(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

struct UrlParts {
  std::string_view scheme, authority, rest;  // rest: from the first '/' or '?' on
};

UrlParts split(std::string_view url, std::size_t scheme) {
  const std::size_t end = url.find_first_of("/?", scheme);
  const std::size_t cut = end == std::string_view::npos ? url.size() : end;
  return {url.substr(0, scheme), url.substr(scheme, cut - scheme), url.substr(cut)};
}

// The authority's password span: after the userinfo's first ':' up to the
// last '@' (a literal '@' in a password would otherwise leak its tail).
std::optional<std::pair<std::size_t, std::size_t>> userinfo_password(std::string_view authority) {
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{colon + 1, at};
}

bool is_password_parameter(std::string_view parameter) {
  const std::size_t equals = parameter.find('=');
  return equals != std::string_view::npos && percent_decoded(parameter.substr(0, equals)) == "password";
}

}  // namespace

std::optional<StoreLocation> parse_store_location(std::string_view text, std::string& why) {
  if (text.empty() || text == "sqlite") return StoreLocation{};
  if (scheme_length(text) == 0) {
    why = "'" + redact_store_url(text) + "' is neither 'sqlite' nor a postgresql:// URL";
    return std::nullopt;
  }
  // libpq's own parser: the URL is what it will connect with.
  const std::string url(text);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(url.c_str(), &error),
                                                                        &PQconninfoFree);
  if (!options) {
    why = "'" + redact_store_url(text) + "': " + (error != nullptr ? error : "out of memory");
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfreemem(error);
    return std::nullopt;
  }
  return StoreLocation{StoreLocation::Kind::kPostgres, url};
}

std::string redact_store_url(std::string_view url) {
  const std::size_t scheme = scheme_length(url);
  if (scheme == 0) return std::string(url);
  const UrlParts parts = split(url, scheme);
  std::string redacted(parts.scheme);
  if (const auto password = userinfo_password(parts.authority)) {
    redacted += parts.authority.substr(0, password->first);
    redacted += "***";
    redacted += parts.authority.substr(password->second);
  } else {
    redacted += parts.authority;
  }
  const std::size_t query = parts.rest.find('?');
  if (query == std::string_view::npos) return redacted + std::string(parts.rest);
  redacted += parts.rest.substr(0, query + 1);
  std::string_view parameters = parts.rest.substr(query + 1);
  while (true) {
    const std::size_t amp = parameters.find('&');
    const std::string_view parameter = parameters.substr(0, amp);
    if (is_password_parameter(parameter)) {
      redacted += parameter.substr(0, parameter.find('=') + 1);
      redacted += "***";
    } else {
      redacted += parameter;
    }
    if (amp == std::string_view::npos) break;
    redacted += '&';
    parameters = parameters.substr(amp + 1);
  }
  return redacted;
}

bool store_url_has_password(std::string_view url) {
  const std::size_t scheme = scheme_length(url);
  if (scheme == 0) return false;
  const UrlParts parts = split(url, scheme);
  if (userinfo_password(parts.authority)) return true;
  const std::size_t query = parts.rest.find('?');
  if (query == std::string_view::npos) return false;
  std::string_view parameters = parts.rest.substr(query + 1);
  while (true) {
    const std::size_t amp = parameters.find('&');
    if (is_password_parameter(parameters.substr(0, amp))) return true;
    if (amp == std::string_view::npos) return false;
    parameters = parameters.substr(amp + 1);
  }
}

}  // namespace parrot::bot
