// What Jingle negotiated (bot/jingle/negotiated.hpp), turned into the
// configuration of the call's transport and echo: the one place where
// Jingle's values meet transport/ and media/ types. Pure.
#pragma once

#include "bot/jingle/answer.hpp"
#include "bot/jingle/negotiated.hpp"
#include "media/echo/echo_engine.hpp"
#include "transport/call/call_transport.hpp"
#include "transport/dtls/certificate.hpp"

namespace parrot::bot::call {

// RFC 5763 §5: setup 'active' is the DTLS client, 'passive' the server.
// 'actpass' (not answered yet) keeps the client role, as DtlsParameters'
// default, until the answer sets it.
transport::DtlsRole dtls_role(jingle::DtlsSetup parrot_setup) noexcept;

transport::DtlsParameters dtls_parameters(const jingle::NegotiatedDtls& dtls);

// `ice` with the plan's components and controlling = false (parrot
// answered, so its agent is the controlled one, RFC 8445 §6.1.1); DTLS
// when the plan has a fingerprint, with `certificate` (not owned).
transport::CallTransportConfig call_transport_config(const jingle::TransportPlan& plan, transport::IceConfig ice,
                                                     const transport::Certificate* certificate);

transport::IceCredentials remote_credentials(const jingle::TransportPlan& plan);

media::echo::StreamConfig echo_stream_config(const jingle::NegotiatedStream& stream);

}  // namespace parrot::bot::call
