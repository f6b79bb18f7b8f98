// Every RTCP packet parrot understands, as one value type.
#pragma once

#include <variant>

#include "media/rtcp/bye.hpp"
#include "media/rtcp/fir.hpp"
#include "media/rtcp/nack.hpp"
#include "media/rtcp/pli.hpp"
#include "media/rtcp/receiver_report.hpp"
#include "media/rtcp/remb.hpp"
#include "media/rtcp/sdes.hpp"
#include "media/rtcp/sender_report.hpp"
#include "media/rtcp/transport_feedback.hpp"

namespace parrot::media::rtcp {

using Packet = std::variant<SenderReport, ReceiverReport, Sdes, Bye, Nack, Pli, Fir, Remb, TransportFeedback>;

}  // namespace parrot::media::rtcp
