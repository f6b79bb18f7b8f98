#include "call/negotiated_setup.hpp"

#include <utility>

namespace parrot::call {

transport::DtlsRole dtls_role(DtlsSetup parrot_setup) noexcept {
  return parrot_setup == DtlsSetup::kPassive ? transport::DtlsRole::kServer : transport::DtlsRole::kClient;
}

transport::DtlsParameters dtls_parameters(const NegotiatedDtls& dtls) {
  transport::DtlsParameters parameters;
  parameters.role = dtls_role(dtls.setup);
  parameters.peer_fingerprint_algorithm = dtls.peer_hash;
  parameters.peer_fingerprint = dtls.peer_fingerprint;
  return parameters;
}

transport::CallTransportConfig call_transport_config(const NegotiatedTransport& negotiated, transport::IceConfig ice,
                                                     const transport::Certificate* certificate) {
  ice.components = negotiated.components;
  ice.controlling = false;
  transport::CallTransportConfig config;
  config.ice = std::move(ice);
  if (negotiated.dtls) {
    config.dtls = dtls_parameters(*negotiated.dtls);
    config.certificate = certificate;
  }
  return config;
}

transport::IceCredentials remote_credentials(const NegotiatedTransport& negotiated) {
  return transport::IceCredentials{negotiated.remote_ufrag, negotiated.remote_pwd};
}

media::echo::StreamConfig echo_stream_config(const NegotiatedStream& stream) {
  media::echo::StreamConfig config;
  config.kind = stream.media == StreamMedia::kVideo ? media::echo::MediaKind::kVideo
                                                            : media::echo::MediaKind::kAudio;
  config.clock_rate_hz = stream.clock_rate_hz;
  config.payload_types = stream.payload_types;
  config.remote_ssrc = stream.remote_ssrc;
  config.local_ssrc = stream.local_ssrc;
  config.nack = stream.nack;
  config.pli = stream.pli;
  config.fir = stream.fir;
  config.transport_sequence_extension_id = stream.transport_sequence_extension_id;
  config.abs_send_time_extension_id = stream.abs_send_time_extension_id;
  config.audio_level_extension_id = stream.audio_level_extension_id;
  config.transport_cc = stream.transport_cc;
  config.remb = stream.remb;
  return config;
}

}  // namespace parrot::call
