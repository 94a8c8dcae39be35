// schedule/process_identity.cc: start tokens read from /proc.
#include "schedule/process_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace kascade {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// "<boot id>/<start time>", or empty when the process does not exist (or only its zombie does).
std::string start_token_of(int64_t pid) {
  const std::string stat = read_first_line("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) is in parentheses and may hold spaces: fields count from the last ')'.
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return {};
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  // Field 3 (state) is the first after ')'; the start time is field 22.
  for (int index = 3; index <= 22; ++index) {
    if (!(fields >> field)) return {};
    if (index == 3 && (field == "Z" || field == "X")) return {};  // dead, not yet reaped
  }
  return read_first_line("/proc/sys/kernel/random/boot_id") + "/" + field;
}

}  // namespace

ProcessIdentity this_process() { return identity_of(getpid()); }

ProcessIdentity identity_of(int64_t pid) { return ProcessIdentity{pid, start_token_of(pid)}; }

bool is_alive(const ProcessIdentity& process) {
  if (process.pid <= 0) return false;
  const std::string token = start_token_of(process.pid);
  return !token.empty() && token == process.start_token;
}

}  // namespace kascade
