// schedule/process_identity.h: a process named by its pid and a start token, so a reused pid is not taken for it.
#pragma once

#include <cstdint>
#include <string>

namespace kascade {

struct ProcessIdentity {
  int64_t pid = 0;
  // The boot id and the process's start time in clock ticks since boot
  // (/proc/<pid>/stat): a later process given the same pid has another one.
  std::string start_token;
};

// This process.
ProcessIdentity this_process();
// The process `pid` as it is now (an empty start token when there is none).
ProcessIdentity identity_of(int64_t pid);

// Whether the process still runs: its pid exists and has the same start token.
bool is_alive(const ProcessIdentity& process);

}  // namespace kascade
