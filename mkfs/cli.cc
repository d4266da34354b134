#include "mkfs/cli.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "mkfs/fsck.h"
#include "mkfs/fsimage.h"

namespace fsimage {
namespace {

std::string quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Parses a decimal count for `option`: digits only, fits in 32 bits.
Result<uint32_t> parse_count(std::string_view option, std::string_view text) {
  if (text.empty())
    return Error{std::string(option) + " needs a number"};
  uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return Error{std::string(option) + ": " + quote(text) + " is not a number"};
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > UINT32_MAX)
      return Error{std::string(option) + ": " + quote(text) + " is too large"};
  }
  return static_cast<uint32_t>(v);
}

// Writes all of `bytes` to `fd`, retrying short writes.
bool write_all(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

// Reads every input after checking its name; fails on the first bad, duplicate or unreadable one.
Result<std::vector<InputFile>> read_inputs(std::span<const std::string> inputs) {
  std::vector<InputFile> files;
  std::set<std::string, std::less<>> names;
  for (const std::string& arg : inputs) {
    auto spec = parse_input_spec(arg);
    if (!spec.ok())
      return Error{spec.error()};
    if (auto problem = check_name(spec.value().name)) {
      return Error{*problem + " (from argument " + quote(arg) + ")"};
    }
    if (!names.insert(spec.value().name).second) {
      return Error{"duplicate name " + quote(spec.value().name) + " (from argument " + quote(arg) +
                   ")"};
    }
  }
  for (const std::string& arg : inputs) {
    const InputSpec spec = parse_input_spec(arg).value();
    auto data = read_host_file(spec.path, kMaxFileBytes + 1);
    if (!data.ok())
      return Error{data.error()};
    if (data.value().size() > kMaxFileBytes) {
      return Error{quote(spec.path) + " is larger than the largest xv6 file (" +
                   std::to_string(kMaxFileBytes) + " bytes = MAXFILE " +
                   std::to_string(kMaxFileBlocks) + " blocks)"};
    }
    files.push_back(InputFile{spec.name, std::move(data.value())});
  }
  return files;
}

} // namespace

Result<MkfsArgs> parse_mkfs_args(std::span<const std::string> args) {
  MkfsArgs a;
  std::vector<std::string> positional;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      a.help = true;
      continue;
    }
    // --size / --ninodes, with the value attached ("--size=N") or next.
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    uint32_t* target = name == "--size" ? &a.size : name == "--ninodes" ? &a.ninodes : nullptr;
    if (target == nullptr)
      return Error{"unknown option " + quote(arg)};
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Error{name + " needs a number"};
    }
    auto n = parse_count(name, value);
    if (!n.ok())
      return Error{n.error()};
    *target = n.value();
  }
  if (a.help)
    return a;
  if (positional.empty())
    return Error{"missing OUTPUT.img"};
  a.output = positional.front();
  a.inputs.assign(positional.begin() + 1, positional.end());
  return a;
}

Result<InputSpec> parse_input_spec(std::string_view arg) {
  const size_t eq = arg.find('=');
  if (eq != std::string_view::npos) {
    InputSpec s{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
    if (s.path.empty())
      return Error{"empty PATH in " + quote(arg)};
    return s;
  }
  if (arg.empty())
    return Error{"empty input argument"};
  const size_t slash = arg.rfind('/');
  std::string_view base = slash == std::string_view::npos ? arg : arg.substr(slash + 1);
  if (!base.empty() && base[0] == '_')
    base.remove_prefix(1);
  return InputSpec{std::string(base), std::string(arg)};
}

Status write_file_atomically(const std::string& path, std::span<const uint8_t> bytes) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    return Error{"cannot create " + quote(path) + ": " + std::strerror(errno)};
  // mkstemp made it 0600; an image is an ordinary data file (0644, like a file the shell makes).
  bool ok = write_all(fd, bytes) && ::fchmod(fd, 0644) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return Error{"cannot write " + quote(path) + ": " + std::strerror(err)};
  }
  return {};
}

int run_mkfs(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const auto fail = [&](const std::string& msg) {
    err << "mkfs: " << msg << "\n";
    return 1;
  };
  auto parsed = parse_mkfs_args(args);
  if (!parsed.ok())
    return fail(parsed.error() + " (try 'mkfs --help')");
  const MkfsArgs& a = parsed.value();
  if (a.help) {
    out << kMkfsUsage;
    return 0;
  }
  const Layout layout = compute_layout(a.size, a.ninodes);
  if (auto problem = check_layout(layout))
    return fail(*problem);
  auto files = read_inputs(a.inputs);
  if (!files.ok())
    return fail(files.error());
  auto image = build_image(layout, files.value());
  if (!image.ok())
    return fail(image.error());
  if (auto written = write_file_atomically(a.output, image.value()); !written.ok()) {
    return fail(written.error());
  }
  return 0;
}

int run_fsck(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const auto usage_error = [&](const std::string& msg) {
    err << "fsck: " << msg << " (try 'fsck --help')\n";
    return 2;
  };
  FsckOptions options;
  std::vector<std::string> positional;
  bool options_done = false;
  for (const std::string& arg : args) {
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "--help" || arg == "-h") {
      out << kFsckUsage;
      return 0;
    } else if (arg == "--replay") {
      options.replay_log = true;
    } else {
      return usage_error("unknown option " + quote(arg));
    }
  }
  if (positional.size() != 1)
    return usage_error("expected exactly one IMAGE");
  auto bytes = read_host_file(positional[0], uint64_t{kMaxSize} * kBlockSize);
  if (!bytes.ok()) {
    err << "fsck: " << bytes.error() << "\n";
    return 2;
  }
  const FsckReport report = check_image(bytes.value(), options);
  for (const std::string& w : report.warnings)
    out << "fsck: warning: " << w << "\n";
  if (report.warnings_not_listed > 0) {
    out << "fsck: warning: ... and " << report.warnings_not_listed << " more warnings\n";
  }
  for (const std::string& e : report.errors)
    out << "fsck: " << e << "\n";
  if (report.errors_not_listed > 0) {
    out << "fsck: ... and " << report.errors_not_listed << " more problems\n";
  }
  if (!report.ok())
    return 1;
  out << "fsck: OK (" << report.inodes_used << " inodes, " << report.blocks_used
      << " blocks used)\n";
  return 0;
}

} // namespace fsimage
