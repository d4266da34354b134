// The shell and the basic programs, as a user types them: ls, cat, grep, wc, echo, mkdir, rm, kill;
// redirections, pipes, ';', subshells, scripts, background jobs; syntax errors and missing programs
// leave the shell working; Ctrl-P lists the processes. Expected output is computed from the disk
// image (the README it holds and its root directory), never copied from a previous run.

#include <algorithm>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/system/shell.h"

namespace lazyv6::systest {
namespace {

using harness::from_test_args;
using harness::QemuOptions;

// Lines of `text` containing `word`, each with its '\n' (what xv6 grep prints).
std::string lines_with(const std::string& text, const std::string& word) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    std::string line = text.substr(start, end - start);
    if (line.find(word) != std::string::npos)
      out += line;
    start = end;
  }
  return out;
}

TEST(Shell, CommandsFilesPipesAndErrors) {
  QemuOptions o = from_test_args();
  auto readme = image_file(o.fs_image, "/README");
  ASSERT_TRUE(readme.has_value());
  auto root = expected_root_listing(o.fs_image, /*extra_root_entries=*/1); // init's console
  ASSERT_TRUE(root.has_value());

  Qemu q(o);
  boot(q);
  ASSERT_FALSE(HasFailure());

  // Ctrl-P at the idle prompt: exactly init and the shell, both sleeping. The shell prints its
  // prompt before it blocks in read(), so a Ctrl-P right after the prompt may still see it running:
  // ask again (a bounded number of times) until it is waiting for input.
  {
    auto procs = parse_procdump(ctrl_p(q));
    for (int tries = 0; tries < 50 && procs.size() == 2u && procs[1].state == "run"; tries++)
      procs = parse_procdump(ctrl_p(q));
    ASSERT_EQ(procs.size(), 2u);
    EXPECT_EQ(procs[0].pid, 1);
    EXPECT_EQ(procs[0].name, "init");
    EXPECT_EQ(procs[0].state, "sleep");
    EXPECT_EQ(procs[1].pid, 2);
    EXPECT_EQ(procs[1].name, "sh");
    EXPECT_EQ(procs[1].state, "sleep");
    for (const auto& p : procs) {
      EXPECT_GT(p.resident, 0u) << p.name;
      EXPECT_GT(p.ptpages, 0u) << p.name;
      EXPECT_GT(p.sz, 0u) << p.name;
    }
  }

  // ls: every file of the image, in directory order, in xv6's format, then init's console device.
  {
    std::string out = run(q, "ls");
    ASSERT_GE(out.size(), root->size()) << out;
    EXPECT_EQ(out.substr(0, root->size()), *root);
    EXPECT_TRUE(std::regex_match(out.substr(root->size()), std::regex(R"(console +3 \d+ 0\n)")))
        << out.substr(root->size());
    // The programs the rest of the tests rely on are there, as regular files (type 2).
    for (const char* prog : {"cat", "echo", "grep", "kill", "ls", "mkdir", "rm", "sh", "wc",
                             "usertests", "lazytest", "vmprint", "free", "hello_c", "init"}) {
      EXPECT_EQ(grep_lines(out, std::string(prog) + R"( +2 \d+ [1-9]\d*)").size(), 1u) << prog;
    }
    auto readme_line = grep_lines(out, R"(README +2 (\d+) (\d+))");
    ASSERT_EQ(readme_line.size(), 1u) << out;
    EXPECT_EQ(readme_line[0][2], std::to_string(readme->size()));
    EXPECT_EQ(run(q, "ls README"), "README         2 " + readme_line[0][1] + " " +
                                       std::to_string(readme->size()) + "\n");
  }

  // cat, grep and wc on the README, alone and through pipes.
  const std::string word = "lazy";
  const std::string matching = lines_with(*readme, word);
  ASSERT_FALSE(matching.empty()) << "README has no line with '" << word << "'";
  EXPECT_EQ(run(q, "cat README"), *readme);
  EXPECT_EQ(run(q, "grep " + word + " README"), matching);
  EXPECT_EQ(run(q, "cat README | grep " + word + " | wc"), wc_line(matching));
  EXPECT_EQ(run(q, "wc README"),
            wc_line(*readme).substr(0, wc_line(*readme).size() - 1) + "README\n");
  EXPECT_EQ(run(q, "echo hello | cat | cat | wc"), "1 1 6 \n");

  // Redirections: >, >>, <.
  EXPECT_EQ(run(q, "echo a > f"), "");
  EXPECT_EQ(run(q, "cat f"), "a\n");
  EXPECT_EQ(run(q, "echo b >> f"), "");
  EXPECT_EQ(run(q, "cat f"), "a\nb\n");
  EXPECT_EQ(run(q, "wc < f"), "2 2 4 \n");
  EXPECT_EQ(run(q, "grep b < f"), "b\n");
  EXPECT_EQ(run(q, "echo c > f"), ""); // > truncates
  EXPECT_EQ(run(q, "cat < f"), "c\n");

  // Directories and cd.
  EXPECT_EQ(run(q, "mkdir d"), "");
  EXPECT_EQ(run(q, "cd d"), "");
  EXPECT_EQ(run(q, "echo x > y"), "");
  EXPECT_EQ(run(q, "cat y"), "x\n");
  {
    std::string out = run(q, "ls y");
    EXPECT_TRUE(std::regex_match(out, std::regex(R"(y {14}2 \d+ 2\n)"))) << out;
  }
  EXPECT_EQ(run(q, "cd .."), "");
  {
    std::string out = run(q, "ls d");
    auto dot = grep_lines(out, R"(\. +1 (\d+) 48)");
    auto dotdot = grep_lines(out, R"(\.\. +1 1 \d+)");
    auto y = grep_lines(out, R"(y +2 (\d+) 2)");
    EXPECT_EQ(dot.size(), 1u) << out;
    EXPECT_EQ(dotdot.size(), 1u) << out;
    EXPECT_EQ(y.size(), 1u) << out;
    EXPECT_EQ(count(out, "\n"), 3u) << out;
    // d's inode, as the root lists it, is the one d lists as ".".
    auto d = grep_lines(run(q, "ls"), R"(d +1 (\d+) 48)");
    ASSERT_EQ(d.size(), 1u);
    if (!dot.empty()) {
      EXPECT_EQ(dot[0][1], d[0][1]);
    }
  }
  EXPECT_EQ(run(q, "cat d/y"), "x\n");
  EXPECT_EQ(run(q, "cd nosuchdir"), "cannot cd nosuchdir\n");

  // Sequencing and subshells: a cd inside parentheses does not move the shell.
  EXPECT_EQ(run(q, "echo a; echo b"), "a\nb\n");
  EXPECT_EQ(run(q, "(echo x; echo y) > g"), "");
  EXPECT_EQ(run(q, "cat g"), "x\ny\n");
  EXPECT_EQ(run(q, "(cd d; cat y); cat f"), "x\nc\n");
  EXPECT_EQ(run(q, "cat y"), "cat: cannot open y\n");
  EXPECT_EQ(run(q, "(echo p; echo q) | wc"), "2 2 4 \n");

  // A script run by sh (no prompt printed while it runs).
  EXPECT_EQ(run(q, "echo echo from script > s"), "");
  EXPECT_EQ(run(q, "sh s"), "from script\n");

  // Syntax errors print one line and the shell goes on; nothing of the line runs.
  for (const char* bad : {"echo a |", "(echo", ">", "echo a )", "| wc", "echo x > f >"}) {
    std::string out = run(q, bad);
    EXPECT_TRUE(out.rfind("sh: ", 0) == 0 && out.find("syntax") != std::string::npos &&
                count(out, "\n") == 1)
        << "`" << bad << "` printed: " << out;
    EXPECT_EQ(run(q, "echo ok"), "ok\n") << "after `" << bad << "`";
  }
  EXPECT_EQ(run(q, "cat f"), "c\n"); // the bad `echo x > f >` did not write f

  // Missing programs and files.
  EXPECT_EQ(run(q, "nonexistent"), "exec nonexistent failed\n");
  EXPECT_EQ(run(q, "nonexistent | wc"), "exec nonexistent failed\n0 0 0 \n");
  EXPECT_EQ(run(q, "cat nosuchfile"), "cat: cannot open nosuchfile\n");
  EXPECT_EQ(run(q, "rm f"), "");
  EXPECT_EQ(run(q, "cat f"), "cat: cannot open f\n");
  EXPECT_EQ(run(q, "kill 999"), "kill: 999: no such process\n");

  // Still only init and the shell.
  auto procs = parse_procdump(ctrl_p(q));
  ASSERT_EQ(procs.size(), 2u);
  EXPECT_EQ(procs[0].name, "init");
  EXPECT_EQ(procs[1].name, "sh");
  EXPECT_EQ(run(q, "echo done"), "done\n");
}

// Polls Ctrl-P until `done(listing)` holds; returns the last listing.
template <typename Pred> std::vector<ProcLine> poll_procs(Qemu& q, Pred done, int tries) {
  std::vector<ProcLine> procs;
  for (int i = 0; i < tries && q.running(); i++) {
    procs = parse_procdump(ctrl_p(q));
    if (done(procs))
      break;
    std::this_thread::sleep_for(200ms);
  }
  return procs;
}

TEST(Shell, BackgroundJobAndKill) {
  Qemu q(from_test_args());
  boot(q);
  ASSERT_FALSE(HasFailure());

  // logstress runs for several seconds, writing 80 KB to each file; its output goes to lout.
  EXPECT_EQ(run(q, "logstress l1 l2 l3 l4 > lout &"), "");
  // The prompt is back at once: the shell runs commands while the job runs.
  EXPECT_EQ(run(q, "echo meanwhile"), "meanwhile\n");

  auto named = [](const std::vector<ProcLine>& procs, const std::string& name) {
    std::vector<ProcLine> out;
    for (const auto& p : procs)
      if (p.name == name)
        out.push_back(p);
    return out;
  };
  auto procs =
      poll_procs(q, [&](const auto& ps) { return named(ps, "logstress").size() == 5; }, 100);
  auto jobs = named(procs, "logstress");
  ASSERT_FALSE(jobs.empty()) << "the background logstress never showed up in Ctrl-P";
  const int parent = jobs[0].pid; // the lowest pid: it forks the others
  if (jobs.size() == 5) {
    EXPECT_EQ(jobs[0].state, "sleep"); // waiting for its 4 writers
  }
  EXPECT_EQ(run(q, "kill " + std::to_string(parent)), "");

  // The killed job disappears (the shell reaps it); the shell and init stay.
  procs = poll_procs(
      q,
      [&](const auto& ps) {
        return std::none_of(ps.begin(), ps.end(),
                            [&](const ProcLine& p) { return p.pid == parent; });
      },
      100);
  EXPECT_TRUE(
      std::none_of(procs.begin(), procs.end(), [&](const ProcLine& p) { return p.pid == parent; }))
      << "pid " << parent << " still listed";
  ASSERT_GE(procs.size(), 2u);
  EXPECT_EQ(procs[0].name, "init");
  EXPECT_EQ(procs[1].name, "sh");

  // Its orphaned writers finish on their own (init reaps them); then only init and sh remain.
  procs = poll_procs(q, [&](const auto& ps) { return ps.size() == 2; }, 600);
  EXPECT_EQ(procs.size(), 2u);
  // The parent never got to report: nothing in its output file.
  EXPECT_EQ(run(q, "cat lout"), "");
  EXPECT_EQ(run(q, "echo still here"), "still here\n");
}

} // namespace
} // namespace lazyv6::systest
