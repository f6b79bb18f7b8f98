// What Jingle negotiated (negotiated.hpp), turned into the configuration of
// the call's transport and echo: the one place where those plain values
// meet transport/ and media/ types. Pure.
#pragma once

#include "call/negotiated.hpp"
#include "media/echo/echo_engine.hpp"
#include "transport/call/call_transport.hpp"
#include "transport/dtls/certificate.hpp"

namespace parrot::call {

// RFC 5763 §5: setup 'active' is the DTLS client, 'passive' the server.
transport::DtlsRole dtls_role(DtlsSetup parrot_setup) noexcept;

transport::DtlsParameters dtls_parameters(const NegotiatedDtls& dtls);

// `ice` with the transport's components and controlling = false (parrot
// answered, so its agent is the controlled one, RFC 8445 §6.1.1); DTLS
// when a fingerprint was negotiated, with `certificate` (not owned).
transport::CallTransportConfig call_transport_config(const NegotiatedTransport& negotiated, transport::IceConfig ice,
                                                     const transport::Certificate* certificate);

transport::IceCredentials remote_credentials(const NegotiatedTransport& negotiated);

media::echo::StreamConfig echo_stream_config(const NegotiatedStream& stream);

}  // namespace parrot::call
