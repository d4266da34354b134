// QEMU test harness, core part (no GoogleTest dependency; the benchmark uses it too).
//
// A `Qemu` boots a kernel in qemu-system-riscv64 on a private, writable copy of a disk image and
// drives its console: send a line, wait for a pattern with a timeout. The whole console transcript
// is kept in memory and written, as it arrives, to
// `$TEST_UNDECLARED_OUTPUTS_DIR/<log_name>.console.log`, so even a hung test leaves a log.
//
// Life cycle: construct with options, `start()`, then any number of send/expect calls, optionally
// `wait_exit()`. QEMU is always killed (SIGKILL to its process group, then reaped): by the
// destructor, by `kill()`, when an expect or wait_exit times out (unless told otherwise), when the
// test process gets SIGTERM/SIGINT/SIGHUP (Bazel's timeout), and through PR_SET_PDEATHSIG when the
// test process dies in any other way. No QEMU outlives the test.
//
// The console is a pair of pipes, not a pty: QEMU's `-serial stdio` chardev passes bytes through
// unchanged in both directions (no CR/LF translation, no tty echo, no ISIG, so "\x03" or "\x10"
// reach the guest as bytes). The guest does its own echo and line editing, so what the test reads
// is exactly what the guest wrote. Output is raw: if the kernel prints "\r\n", patterns see it.
//
// Threads: each Qemu owns one reader thread, which also forks QEMU (so PR_SET_PDEATHSIG is tied to
// a thread that lives exactly as long as QEMU). Public methods may be called from one thread at a
// time (the test's); they are not meant for concurrent use from several test threads.

#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lazyv6::harness {

// Default time an expect() waits. TCG boots of xv6-sized kernels take a second or two; the long
// default is for slow, loaded CI machines. Every timeout is multiplied by $LAZYV6_TIMEOUT_SCALE
// (a positive float, default 1) so a slow machine can stretch them all without code changes.
inline constexpr std::chrono::milliseconds kDefaultTimeout{60'000};

// The QEMU binary used when neither QemuOptions::qemu nor $LAZYV6_QEMU is set.
inline constexpr const char* kDefaultQemu = "/usr/bin/qemu-system-riscv64";

struct QemuOptions {
  std::string kernel;                  // kernel ELF (absolute, or relative to the cwd)
  std::string fs_image;                // disk image; copied before use. Empty: no disk attached.
  int harts = 3;                       // -smp
  std::string memory = "128M";         // -m
  std::vector<std::string> extra_args; // appended to QEMU's command line as is
  bool icount = false;                 // -icount shift=0 (deterministic guest time)
  std::string log_name;                // transcript file stem; empty: derived from the test
  std::string qemu;                    // QEMU binary; empty: $LAZYV6_QEMU, else kDefaultQemu
};

// What to wait for on the console: a literal substring or an ECMAScript regex. Implicit
// conversions let callers write expect("$ ") or expect(std::regex("pid (\\d+)")); prefer
// re("...") for regexes, which also keeps the source text for failure messages.
class Pattern {
public:
  Pattern(const char* literal) : Pattern(std::string(literal)) {} // NOLINT: implicit on purpose
  Pattern(std::string_view literal) : Pattern(std::string(literal)) {} // NOLINT
  Pattern(std::string literal);                                        // NOLINT
  Pattern(std::regex regex, std::string description = "<regex>");      // NOLINT

  static Pattern literal(std::string_view text) { return Pattern(text); }
  static Pattern regex(std::string_view ecmascript);

  // How the pattern is shown in messages: "literal text" (quoted) or /regex/.
  const std::string& description() const { return description_; }
  bool is_regex() const { return regex_.has_value(); }
  size_t literal_size() const { return literal_.size(); } // 0 for a regex

  // Leftmost match in `text`. On success fills `begin`, `end` (offsets into text) and `groups`
  // (groups[0] is the whole match, then the regex's submatches; unmatched submatches are "").
  bool search(std::string_view text, size_t* begin, size_t* end,
              std::vector<std::string>* groups) const;

private:
  std::string literal_;
  std::optional<std::regex> regex_;
  std::string description_;
};

// A regex pattern that remembers its source for messages.
inline Pattern re(std::string_view ecmascript) {
  return Pattern::regex(ecmascript);
}

// Result of start(), send_line(), send_raw(): ok, or a message saying what went wrong.
struct Status {
  bool ok = true;
  std::string message;
  explicit operator bool() const { return ok; }
};

// Result of expect()/expect_any(). On a match the cursor moves past `text`.
struct ExpectResult {
  bool matched = false;
  int index = -1;                  // which pattern matched (expect_any); 0 for expect
  std::string text;                // the whole match
  std::vector<std::string> groups; // groups[0] == text, then regex submatches
  std::string before;              // output between the old cursor and the match
  std::string message;             // on failure: what, why, where the log is, console tail
  explicit operator bool() const { return matched; }
  const std::string& operator[](size_t i) const { return groups.at(i); }
};

// Result of wait_exit().
struct ExitResult {
  bool exited = false; // QEMU ended by itself within the timeout
  int status = -1;     // its exit status (0x5555 power-off: 0; (code<<16)|0x3333: code);
                       // 128+signal if a signal ended it
  int signal = 0;      // the signal that ended it, else 0
  std::string message; // on failure (timeout, never started): explanation and console tail
  explicit operator bool() const { return exited; }
};

// What an expect/wait_exit timeout does to QEMU. Kill is the safe default; KeepRunning is for
// probes like "nothing more is printed within 500 ms" after which the test goes on.
enum class OnTimeout { Kill, KeepRunning };

class Qemu {
public:
  explicit Qemu(QemuOptions options);
  ~Qemu(); // kills QEMU if it still runs, deletes the disk copy (the log stays)
  Qemu(const Qemu&) = delete;
  Qemu& operator=(const Qemu&) = delete;

  // Copies the disk image, opens the transcript and spawns QEMU in its own process group.
  // Fails (with a message) if the kernel or image is missing, the copy fails, or exec fails.
  [[nodiscard]] Status start();

  // Writes `text` + "\n" (send_line) or `text` as is (send_raw, e.g. "\x10" for Ctrl-P) to the
  // console. Fails if QEMU is not running or does not take the input within 10 s.
  Status send_line(std::string_view text);
  Status send_raw(std::string_view bytes);

  // Waits until console output after the cursor matches `pattern`, then moves the cursor past
  // the match. Fails on timeout (then kills QEMU unless KeepRunning) or when QEMU exits first.
  // Output streams in byte by byte: end regexes with a delimiter (re(R"(pid (\d+)\n)")), not
  // with a variable-length part. (A regex match reaching the end of the output so far is held
  // back until output pauses for 30 ms, which makes such patterns unlikely, not impossible, to
  // match half a line.) `^` and `$` mean the start and end of the unconsumed output.
  ExpectResult expect(const Pattern& pattern, std::chrono::milliseconds timeout = kDefaultTimeout,
                      OnTimeout on_timeout = OnTimeout::Kill);

  // Like expect, for several patterns; the one whose match starts first wins (lowest index on a
  // tie), and `index` tells which, e.g. {"ALL TESTS PASSED", "SOME TESTS FAILED", "panic"}.
  ExpectResult expect_any(const std::vector<Pattern>& patterns,
                          std::chrono::milliseconds timeout = kDefaultTimeout,
                          OnTimeout on_timeout = OnTimeout::Kill);

  // Waits for QEMU to exit by itself (e.g. the kernel writes to the sifive_test device) and
  // returns its status. On timeout kills QEMU (unless KeepRunning) and returns exited=false.
  ExitResult wait_exit(std::chrono::milliseconds timeout = kDefaultTimeout,
                       OnTimeout on_timeout = OnTimeout::Kill);

  // SIGKILLs QEMU's process group and reaps it. Safe to call at any time, more than once.
  void kill();

  bool running() const;                        // started and not yet reaped
  pid_t pid() const { return pid_; }           // QEMU's pid (== its process group), or -1
  std::string transcript() const;              // all console output so far
  std::string pending() const;                 // console output after the cursor
  std::string tail(size_t bytes = 2048) const; // last `bytes` of output, control chars escaped
  const std::string& log_path() const { return log_path_; }
  const std::string& disk_path() const { return disk_path_; } // the private copy QEMU writes
  const std::vector<std::string>& command_line() const { return argv_; }
  std::string qemu_stderr() const; // what QEMU itself printed on stderr

private:
  void reader_main(int child_in, int child_out, int child_err);
  void kill_locked();
  std::string failure_message_locked(const std::string& what) const;
  std::string tail_locked(size_t bytes) const;

  QemuOptions options_;
  std::vector<std::string> argv_;
  std::string work_dir_; // private temp dir holding the disk copy
  bool remove_work_dir_ = false;
  std::string disk_path_;
  std::string log_path_;
  std::string stderr_log_path_;
  int log_fd_ = -1;
  int stdin_fd_ = -1;  // write end of QEMU's stdin
  int stdout_fd_ = -1; // read ends, owned by the reader thread while it runs
  int stderr_fd_ = -1;
  pid_t pid_ = -1;
  std::thread reader_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_:
  bool started_ = false;
  bool spawn_done_ = false; // the reader thread has forked (or failed to)
  std::string spawn_error_;
  std::string output_; // the whole console transcript
  size_t cursor_ = 0;  // expect() matches only output_[cursor_, end)
  std::string stderr_text_;
  bool output_closed_ = false; // QEMU's stdout reached EOF
  bool kill_requested_ = false;
  bool reaped_ = false;
  int wait_status_ = 0;
  std::chrono::steady_clock::time_point last_output_at_; // when output_ last grew
};

// Options from the test's command line: --kernel=PATH, --fs=PATH (as $(rootpath) from
// tests/defs.bzl), and optionally --harts=N, --memory=M, --icount, --qemu_arg=ARG (repeatable).
// Missing --kernel/--fs fall back to $LAZYV6_KERNEL/$LAZYV6_FS. Paths go through runfile().
// `argv` includes argv[0]; by default the process's own /proc/self/cmdline is read.
QemuOptions options_from_args(const std::vector<std::string>& argv);
QemuOptions options_from_command_line();
std::vector<std::string> process_args(); // /proc/self/cmdline, split

// Resolves a `$(rootpath ...)`-style path: absolute paths are returned as is; otherwise tried
// against $TEST_SRCDIR/$TEST_WORKSPACE (bazel test), $RUNFILES_DIR, <binary>.runfiles, the
// runfiles manifest, and the cwd (bazel run). Returns an absolute path, or the input unchanged
// when nothing exists.
std::string runfile(std::string_view rootpath);

// `timeout` times $LAZYV6_TIMEOUT_SCALE.
std::chrono::milliseconds scaled(std::chrono::milliseconds timeout);

} // namespace lazyv6::harness
