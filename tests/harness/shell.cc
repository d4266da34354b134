#include "tests/harness/shell.h"

#include <cstring>
#include <thread>

namespace lazyv6::harness {

void boot(Qemu& q, std::chrono::milliseconds timeout) {
  ASSERT_CONSOLE(q.start());
  ASSERT_CONSOLE(q.expect("lazyv6 kernel is booting\n", timeout));
  reach_prompt(q, timeout);
}

void reach_prompt(Qemu& q, std::chrono::milliseconds timeout) {
  ASSERT_CONSOLE(q.expect("init: starting sh\n", timeout));
  ASSERT_CONSOLE(q.expect("$ ", timeout));
  // Secondary harts may announce themselves late (on a loaded host QEMU can run a vCPU thread
  // long after the others): wait for every "hart N starting" line so none lands in the output of
  // a command.
  int harts = 1;
  const auto& argv = q.command_line();
  for (size_t i = 0; i + 1 < argv.size(); i++) {
    if (argv[i] == "-smp")
      harts = std::stoi(argv[i + 1]);
  }
  const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
  for (int n = 0; n < harts; n++) {
    const std::string line = "hart " + std::to_string(n) + " starting\n";
    while (q.transcript().find(line) == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no `" << line << "` on the console";
      ASSERT_TRUE(q.running()) << "QEMU exited during boot";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

std::string run(Qemu& q, const std::string& line, std::chrono::milliseconds timeout,
                std::chrono::milliseconds echo_timeout) {
  if (!q.running())
    return "";
  EXPECT_CONSOLE(q.send_line(line));
  auto echo = q.expect(line + "\n", echo_timeout);
  EXPECT_CONSOLE(echo);
  if (!echo)
    return "";
  auto prompt = q.expect("$ ", timeout);
  EXPECT_CONSOLE(prompt) << "running `" << line << "`";
  return prompt ? prompt.before : "";
}

std::string wc_line(const std::string& data) {
  int lines = 0, words = 0;
  bool inword = false;
  for (char c : data) {
    if (c == '\n')
      lines++;
    if (c != 0 && std::strchr(" \r\t\n\v", c) != nullptr) {
      inword = false;
    } else if (!inword) {
      words++;
      inword = true;
    }
  }
  return std::to_string(lines) + " " + std::to_string(words) + " " + std::to_string(data.size()) +
         " \n";
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    n++;
  return n;
}

std::optional<std::string> test_arg(const std::string& name) {
  const std::string prefix = "--" + name + "=";
  std::optional<std::string> value; // the last one wins
  for (const std::string& a : process_args()) {
    if (a.compare(0, prefix.size(), prefix) == 0)
      value = a.substr(prefix.size());
  }
  return value;
}

std::string test_arg(const std::string& name, const std::string& fallback) {
  return test_arg(name).value_or(fallback);
}

} // namespace lazyv6::harness
