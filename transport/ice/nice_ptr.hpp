// Deleter types for libnice handles, so each has exactly one owner.
#pragma once

#include <nice/agent.h>

#include <memory>

namespace parrot::transport {

// Releases the agent's TURN allocations (RFC 8656 §7: refresh with lifetime 0)
// before dropping our reference; the pending close holds its own reference, so
// the agent lives until the owning GMainContext runs the close to completion.
// Must run on the thread of the agent's context, like every other agent call.
struct NiceAgentClose {
  void operator()(NiceAgent* agent) const noexcept {
    nice_agent_close_async(agent, nullptr, nullptr);
    g_object_unref(agent);
  }
};
struct NiceCandidateFree {
  void operator()(NiceCandidate* candidate) const noexcept { nice_candidate_free(candidate); }
};

using NiceAgentPtr = std::unique_ptr<NiceAgent, NiceAgentClose>;
using NiceCandidatePtr = std::unique_ptr<NiceCandidate, NiceCandidateFree>;

}  // namespace parrot::transport
