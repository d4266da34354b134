// QEMU test harness, core part. See qemu_core.h for the contract.

#include "tests/harness/qemu_core.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <utility>

namespace lazyv6::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- Killing QEMU when the test process is told to stop -------------------------------------
//
// Bazel ends a test that runs past its timeout with SIGTERM (then SIGKILL). QEMU sits in its own
// process group, so nothing would reach it: the handler below SIGKILLs every live QEMU group and
// then lets the signal take its default course. SIGKILL of the test itself cannot be caught;
// PR_SET_PDEATHSIG in the child covers that. The table is plain atomics so the handler is
// async-signal-safe.

constexpr int kMaxLive = 64;
std::atomic<pid_t> g_live[kMaxLive]; // QEMU pids (== process groups) not yet reaped; 0 = free

void register_live(pid_t pid) {
  for (auto& slot : g_live) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid))
      return;
  }
  // Table full: PR_SET_PDEATHSIG still covers us.
}

void unregister_live(pid_t pid) {
  for (auto& slot : g_live) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0))
      return;
  }
}

extern "C" void kill_live_qemus_and_die(int sig) {
  for (auto& slot : g_live) {
    pid_t pid = slot.load();
    if (pid > 0)
      ::kill(-pid, SIGKILL);
  }
  // SA_RESETHAND restored the default action; the re-raised signal is delivered on return.
  raise(sig);
}

void install_signal_handlers_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
      struct sigaction old{};
      if (sigaction(sig, nullptr, &old) != 0)
        continue;
      if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
        continue; // someone else's
      struct sigaction sa{};
      sa.sa_handler = kill_live_qemus_and_die;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESETHAND;
      sigaction(sig, &sa, nullptr);
    }
    // Writing to a QEMU that just died must give EPIPE, not kill the test.
    struct sigaction old{};
    if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

// ---- Small helpers -------------------------------------------------------------------------

std::string env_or(const char* name, std::string fallback = "") {
  const char* v = getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

std::string errno_text(int err) {
  return std::string(strerror(err));
}

// The machine's QEMU arguments (tools/qemu-machine.txt, shared with tools/run-qemu.sh and
// tools/coverage.py) with the kernel, memory, harts and disk filled in; without a disk ("") the
// file's "disk: " lines are left out.
std::vector<std::string> machine_args(const std::string& kernel, const std::string& memory,
                                      int harts, const std::string& disk) {
  constexpr std::string_view kMachine =
#include "tests/harness/qemu_machine.inc"
      ;
  constexpr std::string_view kDiskPrefix = "disk: ";
  const std::pair<std::string_view, std::string> values[] = {{"@KERNEL@", kernel},
                                                             {"@MEM@", memory},
                                                             {"@HARTS@", std::to_string(harts)},
                                                             {"@DISK@", disk}};
  std::vector<std::string> args;
  std::istringstream lines{std::string(kMachine)};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    if (line.starts_with(kDiskPrefix)) {
      if (disk.empty())
        continue;
      line.erase(0, kDiskPrefix.size());
    }
    for (const auto& [key, value] : values) {
      for (size_t at = line.find(key); at != std::string::npos;
           at = line.find(key, at + value.size()))
        line.replace(at, key.size(), value);
    }
    size_t space = line.find(' ');
    args.push_back(line.substr(0, space));
    if (space != std::string::npos)
      args.push_back(line.substr(space + 1));
  }
  return args;
}

// Keeps [A-Za-z0-9._-]; anything else becomes '_', so a name is a safe file name.
std::string sanitize(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
    out.push_back(keep ? c : '_');
  }
  while (!out.empty() && out.front() == '.')
    out.erase(out.begin());
  return out.empty() ? std::string("qemu") : out;
}

// "//tests/foo:bar_test" -> "bar_test"; else the binary's name; else "qemu".
std::string default_log_name() {
  std::string target = env_or("TEST_TARGET");
  if (!target.empty()) {
    size_t colon = target.rfind(':');
    size_t slash = target.rfind('/');
    size_t cut = colon != std::string::npos ? colon : slash;
    return cut != std::string::npos ? target.substr(cut + 1) : target;
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("qemu") : exe.filename().string();
}

// Gives each transcript in this process its own file: name, name.2, name.3, ...
std::string unique_log_stem(const std::string& stem) {
  static std::mutex mu;
  static std::set<std::string> used;
  std::lock_guard<std::mutex> lock(mu);
  std::string candidate = stem;
  for (int n = 2; used.count(candidate) != 0; ++n)
    candidate = stem + "." + std::to_string(n);
  used.insert(candidate);
  return candidate;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Human-readable text: keeps printable ASCII, newlines and tabs; drops '\r'; escapes the rest.
std::string printable(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
      out.push_back(static_cast<char>(c));
    } else if (c != '\r') {
      char buf[8];
      snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) +
           (name != nullptr ? std::string(" (SIG") + name + ")" : std::string());
  }
  return "ended with wait status " + std::to_string(status);
}

std::string quote_args(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty())
      out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`") == std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

} // namespace

// ---- Pattern ---------------------------------------------------------------------------------

Pattern::Pattern(std::string literal)
    : literal_(std::move(literal)), description_("\"" + printable(literal_) + "\"") {}

Pattern::Pattern(std::regex regex, std::string description)
    : regex_(std::move(regex)), description_(std::move(description)) {}

Pattern Pattern::regex(std::string_view ecmascript) {
  return Pattern(std::regex(std::string(ecmascript)), "/" + printable(ecmascript) + "/");
}

bool Pattern::search(std::string_view text, size_t* begin, size_t* end,
                     std::vector<std::string>* groups) const {
  if (!regex_) {
    size_t at = text.find(literal_);
    if (at == std::string_view::npos)
      return false;
    *begin = at;
    *end = at + literal_.size();
    groups->assign(1, literal_);
    return true;
  }
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(text.begin(), text.end(), m, *regex_))
    return false;
  *begin = static_cast<size_t>(m.position(0));
  *end = *begin + static_cast<size_t>(m.length(0));
  groups->clear();
  for (size_t i = 0; i < m.size(); ++i)
    groups->push_back(m[i].matched ? m[i].str() : "");
  return true;
}

// ---- Qemu ------------------------------------------------------------------------------------

Qemu::Qemu(QemuOptions options) : options_(std::move(options)) {}

Qemu::~Qemu() {
  kill();
  if (reader_.joinable())
    reader_.join();
  if (stdin_fd_ >= 0)
    close(stdin_fd_);
  if (log_fd_ >= 0)
    close(log_fd_);
  std::error_code ec;
  if (!disk_path_.empty())
    fs::remove(disk_path_, ec);
  if (remove_work_dir_ && !work_dir_.empty())
    fs::remove_all(work_dir_, ec);
}

Status Qemu::start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_)
      return {false, "start(): QEMU was already started"};
    started_ = true;
  }
  auto fail = [this](std::string message) {
    std::lock_guard<std::mutex> lock(mu_);
    spawn_done_ = true;
    spawn_error_ = message;
    reaped_ = true;
    fprintf(stderr, "[qemu] start failed: %s\n", message.c_str());
    return Status{false, std::move(message)};
  };
  install_signal_handlers_once();

  if (options_.kernel.empty()) {
    return fail("no kernel given (pass --kernel=PATH to the test, or set $LAZYV6_KERNEL)");
  }
  if (access(options_.kernel.c_str(), R_OK) != 0) {
    return fail("kernel '" + options_.kernel + "' is not readable: " + errno_text(errno));
  }
  std::string qemu = options_.qemu;
  if (qemu.empty())
    qemu = env_or("LAZYV6_QEMU", kDefaultQemu);
  if (access(qemu.c_str(), X_OK) != 0) {
    return fail("QEMU binary '" + qemu + "' is not executable: " + errno_text(errno));
  }

  // A private directory for the disk copy (and the log, outside Bazel).
  std::string base = env_or("TEST_TMPDIR", env_or("TMPDIR", "/tmp"));
  std::string templ = base + "/lazyv6-qemu.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return fail("mkdtemp(" + templ + "): " + errno_text(errno));
  }
  work_dir_ = templ;
  remove_work_dir_ = true;

  // The image under test is a build output (read-only, shared): QEMU only ever sees a copy.
  if (!options_.fs_image.empty()) {
    disk_path_ = work_dir_ + "/" + sanitize(fs::path(options_.fs_image).filename().string());
    std::error_code ec;
    fs::copy_file(options_.fs_image, disk_path_, ec);
    if (ec)
      return fail("copying disk image '" + options_.fs_image + "': " + ec.message());
    fs::permissions(disk_path_,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                        fs::perms::others_read,
                    ec);
    if (ec)
      return fail("making '" + disk_path_ + "' writable: " + ec.message());
  }

  // The transcript: Bazel keeps $TEST_UNDECLARED_OUTPUTS_DIR (test.outputs/outputs.zip).
  std::string log_dir = env_or("TEST_UNDECLARED_OUTPUTS_DIR");
  if (log_dir.empty()) {
    log_dir = work_dir_;
    remove_work_dir_ = false; // the log lives there; only the disk copy is removed
  }
  std::string stem =
      unique_log_stem(sanitize(options_.log_name.empty() ? default_log_name() : options_.log_name));
  log_path_ = log_dir + "/" + stem + ".console.log";
  stderr_log_path_ = log_dir + "/" + stem + ".qemu-stderr.log";
  log_fd_ = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd_ < 0)
    return fail("opening console log '" + log_path_ + "': " + errno_text(errno));

  argv_ = {qemu};
  for (std::string& arg :
       machine_args(options_.kernel, options_.memory, options_.harts, disk_path_))
    argv_.push_back(std::move(arg));
  argv_.push_back("-nographic");
  // -nographic alone would multiplex the monitor onto stdio (Ctrl-A escapes); with an explicit
  // serial and no monitor every byte goes to the guest's UART.
  argv_.insert(argv_.end(), {"-monitor", "none", "-serial", "stdio"});
  if (options_.icount)
    argv_.insert(argv_.end(), {"-icount", "shift=0"});
  argv_.insert(argv_.end(), options_.extra_args.begin(), options_.extra_args.end());

  // Console pipes. Ours are close-on-exec; the child's ends become its fds 0, 1, 2.
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0)
    return fail("pipe: " + errno_text(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    return fail("pipe: " + errno_text(errno));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    return fail("pipe: " + errno_text(errno));
  }
  stdin_fd_ = in[1];
  fcntl(stdin_fd_, F_SETFL, fcntl(stdin_fd_, F_GETFL) | O_NONBLOCK);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];

  fprintf(stderr, "[qemu] starting: %s\n[qemu] console log: %s\n", quote_args(argv_).c_str(),
          log_path_.c_str());

  // The reader thread forks QEMU, so the child's PR_SET_PDEATHSIG follows a thread that lives
  // exactly as long as QEMU does, whichever thread called start().
  reader_ = std::thread([this, a = in[0], b = out[1], c = err[1]] { reader_main(a, b, c); });

  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return spawn_done_; });
  if (!spawn_error_.empty()) {
    std::string message = spawn_error_;
    lock.unlock();
    fprintf(stderr, "[qemu] start failed: %s\n", message.c_str());
    return {false, message};
  }
  return {};
}

void Qemu::reader_main(int child_in, int child_out, int child_err) {
  // Everything the child needs is prepared before fork: after fork, in a threaded process, only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (auto& a : argv_)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int exec_err[2];
  bool have_err_pipe = pipe2(exec_err, O_CLOEXEC) == 0;
  pid_t parent = getpid();

  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0); // own process group: killed as one, untouched by the terminal's signals
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127); // the parent died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(child_in, 0);
    dup2(child_out, 1);
    dup2(child_err, 2);
    execv(argv[0], argv.data());
    int e = errno;
    if (have_err_pipe) {
      ssize_t ignored = write(exec_err[1], &e, sizeof e);
      (void)ignored;
    }
    _exit(127);
  }
  int fork_errno = errno;
  close(child_in);
  close(child_out);
  close(child_err);
  if (have_err_pipe)
    close(exec_err[1]);

  if (pid < 0) {
    if (have_err_pipe)
      close(exec_err[0]);
    close(stdout_fd_);
    close(stderr_fd_);
    std::lock_guard<std::mutex> lock(mu_);
    spawn_done_ = true;
    spawn_error_ = "fork: " + errno_text(fork_errno);
    reaped_ = true;
    output_closed_ = true;
    cv_.notify_all();
    return;
  }
  setpgid(pid, pid); // also from this side, so kill(-pid) works even before the child ran
  register_live(pid);

  int exec_errno = 0;
  if (have_err_pipe) {
    ssize_t n;
    do {
      n = read(exec_err[0], &exec_errno, sizeof exec_errno);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof exec_errno))
      exec_errno = 0; // EOF: exec succeeded
    close(exec_err[0]);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pid_ = pid;
    spawn_done_ = true;
    if (exec_errno != 0)
      spawn_error_ = "exec " + argv_[0] + ": " + errno_text(exec_errno);
    cv_.notify_all();
  }

  // Pump QEMU's stdout into the transcript (memory + log file) and its stderr aside, until both
  // close. If QEMU has exited but something still holds a pipe open, or a kill does not close
  // them, give up on the pipes after 2 s rather than hang.
  int stderr_log = -1;
  bool out_open = true, err_open = true;
  std::optional<Clock::time_point> gone_since;
  std::array<char, 4096> buf;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? stdout_fd_ : -1, POLLIN, 0},
                     {err_open ? stderr_fd_ : -1, POLLIN, 0}};
    int r = poll(fds, 2, 100);
    if (r < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2 && r > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      ssize_t n = read(fds[i].fd, buf.data(), buf.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      std::string_view chunk(buf.data(), n > 0 ? static_cast<size_t>(n) : 0);
      if (i == 0) {
        if (n <= 0) {
          out_open = false;
          std::lock_guard<std::mutex> lock(mu_);
          output_closed_ = true;
          cv_.notify_all();
          continue;
        }
        write_all(log_fd_, chunk); // unbuffered: a hung or killed test still leaves its log
        std::lock_guard<std::mutex> lock(mu_);
        output_.append(chunk);
        last_output_at_ = Clock::now();
        cv_.notify_all();
      } else {
        if (n <= 0) {
          err_open = false;
          continue;
        }
        if (stderr_log < 0) {
          stderr_log =
              open(stderr_log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        if (stderr_log >= 0)
          write_all(stderr_log, chunk);
        write_all(2, "[qemu stderr] ");
        write_all(2, chunk);
        std::lock_guard<std::mutex> lock(mu_);
        stderr_text_.append(chunk);
      }
    }
    siginfo_t info{};
    bool exited = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                  info.si_pid == pid;
    bool killed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      killed = kill_requested_;
    }
    if (exited || killed) {
      if (!gone_since)
        gone_since = Clock::now();
      if (Clock::now() - *gone_since > milliseconds(2000))
        break;
    }
  }
  if (stderr_log >= 0)
    close(stderr_log);
  close(stdout_fd_);
  close(stderr_fd_);

  // Wait without reaping, drop the pid from the signal handler's table, then reap: the handler
  // never signals a process group whose id might already be reused.
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  unregister_live(pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mu_);
  output_closed_ = true;
  reaped_ = true;
  wait_status_ = status;
  cv_.notify_all();
}

void Qemu::kill_locked() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  kill_requested_ = true;
}

void Qemu::kill() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!started_ || !spawn_done_)
    return;
  kill_locked();
  cv_.wait_for(lock, milliseconds(10'000), [this] { return reaped_; });
}

bool Qemu::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_ && spawn_done_ && spawn_error_.empty() && !reaped_;
}

std::string Qemu::transcript() const {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

std::string Qemu::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return output_.substr(cursor_);
}

std::string Qemu::qemu_stderr() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stderr_text_;
}

std::string Qemu::tail(size_t bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  return tail_locked(bytes);
}

std::string Qemu::tail_locked(size_t bytes) const {
  size_t from = output_.size() > bytes ? output_.size() - bytes : 0;
  return printable(std::string_view(output_).substr(from));
}

std::string Qemu::failure_message_locked(const std::string& what) const {
  std::ostringstream m;
  m << what << "\n";
  m << "console log: " << (log_path_.empty() ? "(none)" : log_path_) << "\n";
  m << "console output: " << output_.size() << " bytes, " << (output_.size() - cursor_)
    << " after the last match\n";
  if (!stderr_text_.empty()) {
    size_t from = stderr_text_.size() > 1024 ? stderr_text_.size() - 1024 : 0;
    m << "QEMU stderr:\n" << printable(std::string_view(stderr_text_).substr(from)) << "\n";
  }
  m << "last " << std::min<size_t>(output_.size(), 2048) << " bytes of console output:\n"
    << "-----\n"
    << tail_locked(2048) << "\n-----";
  return m.str();
}

Status Qemu::send_line(std::string_view text) {
  std::string line(text);
  line += '\n';
  return send_raw(line);
}

Status Qemu::send_raw(std::string_view bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || !spawn_done_ || !spawn_error_.empty() || reaped_ || output_closed_) {
      std::string m = failure_message_locked("send: QEMU is not running");
      fprintf(stderr, "[qemu] %s\n", m.c_str());
      return {false, m};
    }
  }
  // Not holding mu_ while writing: the guest may have to print (echo) before it reads more,
  // and the reader thread needs mu_ to take that output.
  auto deadline = Clock::now() + scaled(milliseconds(10'000));
  while (!bytes.empty()) {
    ssize_t n = write(stdin_fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      pollfd p{stdin_fd_, POLLOUT, 0};
      if (left <= 0 || poll(&p, 1, static_cast<int>(left)) == 0) {
        std::lock_guard<std::mutex> lock(mu_);
        std::string m = failure_message_locked("send: QEMU did not take console input for 10 s");
        fprintf(stderr, "[qemu] %s\n", m.c_str());
        return {false, m};
      }
      continue;
    }
    int e = errno;
    std::lock_guard<std::mutex> lock(mu_);
    std::string m =
        failure_message_locked("send: writing to QEMU's console failed: " + errno_text(e));
    fprintf(stderr, "[qemu] %s\n", m.c_str());
    return {false, m};
  }
  return {};
}

ExpectResult Qemu::expect(const Pattern& pattern, milliseconds timeout, OnTimeout on_timeout) {
  return expect_any(std::vector<Pattern>{pattern}, timeout, on_timeout);
}

ExpectResult Qemu::expect_any(const std::vector<Pattern>& patterns, milliseconds timeout,
                              OnTimeout on_timeout) {
  ExpectResult result;
  std::string wanted;
  for (const auto& p : patterns)
    wanted += (wanted.empty() ? "" : " or ") + p.description();
  if (patterns.empty())
    wanted = "(no pattern)";
  milliseconds limit = scaled(timeout);
  auto deadline = Clock::now() + limit;

  std::unique_lock<std::mutex> lock(mu_);
  auto fail = [&](const std::string& what) {
    result.message = failure_message_locked(what);
    fprintf(stderr, "[qemu] %s\n", result.message.c_str());
    return result;
  };
  if (!started_ || !spawn_done_ || !spawn_error_.empty()) {
    return fail("expect " + wanted + ": QEMU was not started");
  }

  // Scanning is repeated as output arrives. Literals resume where the last scan stopped; regexes
  // rescan everything after the cursor, so rescans are throttled to at most ~20% of the time.
  size_t scanned = std::string::npos; // output_.size() at the last scan
  bool settling = false;              // a regex matched up to the end of output; look again
  std::vector<size_t> literal_from(patterns.size(), 0);
  auto next_scan = Clock::now();
  for (;;) {
    bool closed = output_closed_;
    auto now = Clock::now();
    bool fresh = output_.size() != scanned || settling;
    if (fresh && (now >= next_scan || closed || now >= deadline)) {
      std::string_view text = std::string_view(output_).substr(cursor_);
      size_t best_begin = std::string::npos, best_end = 0;
      std::vector<std::string> groups;
      result.index = -1;
      for (size_t i = 0; i < patterns.size(); ++i) {
        size_t from = patterns[i].is_regex() ? 0 : literal_from[i];
        size_t b, e;
        std::vector<std::string> g;
        if (patterns[i].search(text.substr(from), &b, &e, &g) && from + b < best_begin) {
          best_begin = from + b;
          best_end = from + e;
          result.index = static_cast<int>(i);
          groups = std::move(g);
        }
      }
      // Output arrives a few bytes at a time, so a regex that ends in a variable-length part
      // (\d+, [A-Z]+) could match a line that is only half there. Such a match, one that touches
      // the end of the output, is taken only once output has been quiet for kSettle (or QEMU is
      // gone, or time is up); meanwhile more output restarts the search.
      constexpr auto kSettle = milliseconds(30);
      settling = false;
      if (best_begin != std::string::npos && patterns[result.index].is_regex() &&
          best_end == text.size() && !closed && now < deadline && now - last_output_at_ < kSettle) {
        settling = true;
        scanned = output_.size();
        next_scan = last_output_at_ + kSettle;
        continue;
      }
      if (best_begin != std::string::npos) {
        result.matched = true;
        result.groups = std::move(groups);
        result.text = result.groups.empty() ? std::string() : result.groups[0];
        result.before = std::string(text.substr(0, best_begin));
        cursor_ += best_end;
        return result;
      }
      for (size_t i = 0; i < patterns.size(); ++i) {
        if (patterns[i].is_regex())
          continue;
        // A later match of a literal can start at most size-1 bytes before the current end.
        size_t len = patterns[i].literal_size();
        literal_from[i] = text.size() >= len ? text.size() - len + 1 : 0;
      }
      scanned = output_.size();
      auto took = Clock::now() - now;
      next_scan = Clock::now() + std::max<Clock::duration>(milliseconds(1), 4 * took);
      continue;
    }
    if (closed) {
      // QEMU is gone and everything it printed has been searched. Report how it ended.
      cv_.wait_for(lock, milliseconds(2000), [this] { return reaped_; });
      std::string how =
          reaped_ ? "QEMU " + describe_wait_status(wait_status_) : "QEMU closed its console";
      if (kill_requested_)
        how += " (killed by the harness)";
      return fail("expect " + wanted + ": " + how + " before a match");
    }
    if (now >= deadline) {
      if (output_.size() != scanned)
        continue; // one last scan of what arrived
      std::string what =
          "expect " + wanted + ": timed out after " + std::to_string(limit.count()) + " ms";
      if (on_timeout == OnTimeout::Kill) {
        kill_locked();
        what += "; QEMU killed";
      }
      result = ExpectResult{};
      result.message = failure_message_locked(what);
      fprintf(stderr, "[qemu] %s\n", result.message.c_str());
      if (on_timeout == OnTimeout::Kill) {
        cv_.wait_for(lock, milliseconds(10'000), [this] { return reaped_; });
      }
      return result;
    }
    auto wake = deadline;
    if (output_.size() != scanned || settling)
      wake = std::min(wake, next_scan);
    cv_.wait_until(lock, wake);
  }
}

ExitResult Qemu::wait_exit(milliseconds timeout, OnTimeout on_timeout) {
  ExitResult result;
  milliseconds limit = scaled(timeout);
  std::unique_lock<std::mutex> lock(mu_);
  if (!started_ || !spawn_done_ || !spawn_error_.empty()) {
    result.message = failure_message_locked("wait_exit: QEMU was not started");
    fprintf(stderr, "[qemu] %s\n", result.message.c_str());
    return result;
  }
  if (!cv_.wait_for(lock, limit, [this] { return reaped_; })) {
    std::string what =
        "wait_exit: QEMU still running after " + std::to_string(limit.count()) + " ms";
    if (on_timeout == OnTimeout::Kill) {
      kill_locked();
      what += "; QEMU killed";
    }
    result.message = failure_message_locked(what);
    fprintf(stderr, "[qemu] %s\n", result.message.c_str());
    if (on_timeout == OnTimeout::Kill) {
      cv_.wait_for(lock, milliseconds(10'000), [this] { return reaped_; });
    }
    return result;
  }
  if (WIFEXITED(wait_status_)) {
    result.status = WEXITSTATUS(wait_status_);
  } else if (WIFSIGNALED(wait_status_)) {
    result.signal = WTERMSIG(wait_status_);
    result.status = 128 + result.signal;
  }
  if (kill_requested_) {
    // It did not exit by itself: the harness killed it (an earlier timeout or kill()).
    result.message = failure_message_locked(
        "wait_exit: QEMU " + describe_wait_status(wait_status_) + " after the harness killed it");
    return result;
  }
  result.exited = true;
  return result;
}

// ---- Options and runfiles --------------------------------------------------------------------

std::vector<std::string> process_args() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos)
      end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

QemuOptions options_from_args(const std::vector<std::string>& argv) {
  QemuOptions o;
  auto value = [](const std::string& arg, std::string_view flag, std::string* out) {
    if (arg.size() > flag.size() && arg.compare(0, flag.size(), flag) == 0 &&
        arg[flag.size()] == '=') {
      *out = arg.substr(flag.size() + 1);
      return true;
    }
    return false;
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    std::string v;
    if (value(a, "--kernel", &v)) {
      o.kernel = v;
    } else if (value(a, "--fs", &v)) {
      o.fs_image = v;
    } else if (value(a, "--harts", &v)) {
      o.harts = std::stoi(v);
    } else if (value(a, "--memory", &v)) {
      o.memory = v;
    } else if (value(a, "--qemu_arg", &v)) {
      o.extra_args.push_back(v);
    } else if (a == "--icount") {
      o.icount = true;
    }
  }
  if (o.kernel.empty())
    o.kernel = env_or("LAZYV6_KERNEL");
  if (o.fs_image.empty())
    o.fs_image = env_or("LAZYV6_FS");
  if (!o.kernel.empty())
    o.kernel = runfile(o.kernel);
  if (!o.fs_image.empty())
    o.fs_image = runfile(o.fs_image);
  return o;
}

QemuOptions options_from_command_line() {
  return options_from_args(process_args());
}

std::string runfile(std::string_view rootpath) {
  fs::path p(rootpath);
  if (p.is_absolute())
    return std::string(rootpath);
  std::error_code ec;
  auto exists = [&ec](const fs::path& c) { return fs::exists(c, ec); };
  auto absolute = [&ec](const fs::path& c) {
    return fs::absolute(c, ec).lexically_normal().string();
  };

  std::string workspace = env_or("TEST_WORKSPACE");
  std::vector<fs::path> roots;
  if (auto d = env_or("TEST_SRCDIR"); !d.empty())
    roots.emplace_back(d);
  if (auto d = env_or("RUNFILES_DIR"); !d.empty())
    roots.emplace_back(d);
  if (fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec) {
    roots.push_back(exe.string() + ".runfiles");
  }
  for (const auto& root : roots) {
    if (!workspace.empty() && exists(root / workspace / p))
      return absolute(root / workspace / p);
    // Workspace name unknown (bazel run): try each top-level directory of the tree.
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      if (entry.is_directory(ec) && exists(entry.path() / p))
        return absolute(entry.path() / p);
    }
  }
  if (auto manifest = env_or("RUNFILES_MANIFEST_FILE"); !manifest.empty()) {
    std::ifstream in(manifest);
    std::string line;
    std::string suffix = "/" + p.lexically_normal().string();
    while (std::getline(in, line)) {
      size_t space = line.find(' ');
      if (space == std::string::npos)
        continue;
      std::string key = line.substr(0, space);
      if (key.size() >= suffix.size() &&
          key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          key.find('/') == key.size() - suffix.size()) {
        return line.substr(space + 1);
      }
    }
  }
  if (exists(p))
    return absolute(p);
  return std::string(rootpath);
}

milliseconds scaled(milliseconds timeout) {
  std::string s = env_or("LAZYV6_TIMEOUT_SCALE");
  if (s.empty())
    return timeout;
  char* end = nullptr;
  double factor = strtod(s.c_str(), &end);
  if (end == s.c_str() || !(factor > 0))
    return timeout;
  return milliseconds(static_cast<long long>(static_cast<double>(timeout.count()) * factor));
}

} // namespace lazyv6::harness
