// Host unit tests for the shell's parser (user/shparse.cc), built with the host toolchain.

#include "user/shparse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sh {
namespace {

// The parser is large (it holds every node of a line); keep one per test, off the stack.
class ShParseTest : public ::testing::Test {
protected:
  // Parses line and expects success; returns the tree.
  Cmd* ok(const std::string& line) {
    Cmd* cmd = reinterpret_cast<Cmd*>(1);
    EXPECT_TRUE(parser_.parse(line.c_str(), &cmd)) << line << ": " << parser_.error();
    EXPECT_STREQ(parser_.error(), "");
    return cmd;
  }

  // Parses line and expects a failure; returns the error message.
  std::string error(const std::string& line) {
    Cmd* cmd = reinterpret_cast<Cmd*>(1);
    EXPECT_FALSE(parser_.parse(line.c_str(), &cmd)) << line;
    EXPECT_EQ(cmd, nullptr);
    return parser_.error();
  }

  static std::vector<std::string> args(const Cmd* cmd) {
    std::vector<std::string> out;
    EXPECT_EQ(cmd->kind, Kind::Exec);
    for (int i = 0; i < cmd->argc; i++)
      out.push_back(cmd->argv[i]);
    EXPECT_EQ(cmd->argv[cmd->argc], nullptr);
    return out;
  }

  using Args = std::vector<std::string>;

  static Parser parser_;
};

Parser ShParseTest::parser_;

TEST_F(ShParseTest, EmptyLinesHoldNoCommand) {
  EXPECT_EQ(ok(""), nullptr);
  EXPECT_EQ(ok("   \t \n"), nullptr);
  EXPECT_EQ(ok("# just a comment\n"), nullptr);
  EXPECT_EQ(ok(";"), nullptr);
  EXPECT_EQ(ok(" ; ; "), nullptr);
}

TEST_F(ShParseTest, SimpleCommand) {
  Cmd* cmd = ok("echo hello   world\n");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(args(cmd), (Args{"echo", "hello", "world"}));
  EXPECT_EQ(cmd->nredir, 0);
}

TEST_F(ShParseTest, Redirections) {
  Cmd* cmd = ok("cat < in > out");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(args(cmd), (Args{"cat"}));
  ASSERT_EQ(cmd->nredir, 2);
  EXPECT_EQ(cmd->redirs[0].fd, 0);
  EXPECT_EQ(cmd->redirs[0].mode, RedirMode::Read);
  EXPECT_STREQ(cmd->redirs[0].file, "in");
  EXPECT_EQ(cmd->redirs[1].fd, 1);
  EXPECT_EQ(cmd->redirs[1].mode, RedirMode::Write);
  EXPECT_STREQ(cmd->redirs[1].file, "out");
}

TEST_F(ShParseTest, RedirectionsAnywhereAndWithoutSpaces) {
  Cmd* cmd = ok("<in cat>out -n>>log");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(args(cmd), (Args{"cat", "-n"}));
  ASSERT_EQ(cmd->nredir, 3);
  EXPECT_STREQ(cmd->redirs[0].file, "in");
  EXPECT_STREQ(cmd->redirs[1].file, "out");
  EXPECT_EQ(cmd->redirs[2].mode, RedirMode::Append);
  EXPECT_EQ(cmd->redirs[2].fd, 1);
  EXPECT_STREQ(cmd->redirs[2].file, "log");
}

TEST_F(ShParseTest, RedirectionOnlyCommand) {
  Cmd* cmd = ok("> empty");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(cmd->kind, Kind::Exec);
  EXPECT_EQ(cmd->argc, 0);
  EXPECT_EQ(cmd->nredir, 1);
}

TEST_F(ShParseTest, PipelinesNestToTheRight) {
  Cmd* cmd = ok("cat f|grep x | wc");
  ASSERT_NE(cmd, nullptr);
  ASSERT_EQ(cmd->kind, Kind::Pipe);
  EXPECT_EQ(args(cmd->left), (Args{"cat", "f"}));
  ASSERT_EQ(cmd->right->kind, Kind::Pipe);
  EXPECT_EQ(args(cmd->right->left), (Args{"grep", "x"}));
  EXPECT_EQ(args(cmd->right->right), (Args{"wc"}));
}

TEST_F(ShParseTest, ListsNestToTheRight) {
  Cmd* cmd = ok("a; b ;c");
  ASSERT_NE(cmd, nullptr);
  ASSERT_EQ(cmd->kind, Kind::List);
  EXPECT_EQ(args(cmd->left), (Args{"a"}));
  ASSERT_EQ(cmd->right->kind, Kind::List);
  EXPECT_EQ(args(cmd->right->left), (Args{"b"}));
  EXPECT_EQ(args(cmd->right->right), (Args{"c"}));
}

TEST_F(ShParseTest, EmptyJobsAroundSemicolonsAreDropped) {
  EXPECT_EQ(args(ok("ls;")), (Args{"ls"}));
  EXPECT_EQ(args(ok("; ls")), (Args{"ls"}));
  Cmd* cmd = ok("a ;; b");
  ASSERT_EQ(cmd->kind, Kind::List);
  EXPECT_EQ(args(cmd->left), (Args{"a"}));
  EXPECT_EQ(args(cmd->right), (Args{"b"}));
}

TEST_F(ShParseTest, Background) {
  Cmd* cmd = ok("sleep 10 &");
  ASSERT_NE(cmd, nullptr);
  ASSERT_EQ(cmd->kind, Kind::Back);
  EXPECT_EQ(args(cmd->left), (Args{"sleep", "10"}));

  cmd = ok("a | b & c");
  ASSERT_EQ(cmd->kind, Kind::List);
  ASSERT_EQ(cmd->left->kind, Kind::Back);
  EXPECT_EQ(cmd->left->left->kind, Kind::Pipe);
  EXPECT_EQ(args(cmd->right), (Args{"c"}));
}

TEST_F(ShParseTest, Subshell) {
  Cmd* cmd = ok("(cd d; ls) > out | wc");
  ASSERT_NE(cmd, nullptr);
  ASSERT_EQ(cmd->kind, Kind::Pipe);
  Cmd* sub = cmd->left;
  ASSERT_EQ(sub->kind, Kind::Subshell);
  ASSERT_EQ(sub->nredir, 1);
  EXPECT_STREQ(sub->redirs[0].file, "out");
  ASSERT_EQ(sub->left->kind, Kind::List);
  EXPECT_EQ(args(sub->left->left), (Args{"cd", "d"}));
  EXPECT_EQ(args(sub->left->right), (Args{"ls"}));
  EXPECT_EQ(args(cmd->right), (Args{"wc"}));
}

TEST_F(ShParseTest, NestedSubshells) {
  Cmd* cmd = ok("((echo a))");
  ASSERT_EQ(cmd->kind, Kind::Subshell);
  ASSERT_EQ(cmd->left->kind, Kind::Subshell);
  EXPECT_EQ(args(cmd->left->left), (Args{"echo", "a"}));
}

TEST_F(ShParseTest, Quotes) {
  Cmd* cmd = ok("echo \"a b\" 'c|d;e' x\"y z\"w '' \"it's\"");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(args(cmd), (Args{"echo", "a b", "c|d;e", "xy zw", "", "it's"}));
}

TEST_F(ShParseTest, CommentsStartOnlyAtAWord) {
  EXPECT_EQ(args(ok("echo a#b # c d")), (Args{"echo", "a#b"}));
}

TEST_F(ShParseTest, SyntaxErrorsNameTheToken) {
  EXPECT_EQ(error("|"), "syntax error near '|'");
  EXPECT_EQ(error("ls |"), "syntax error near 'newline'");
  EXPECT_EQ(error("| wc"), "syntax error near '|'");
  EXPECT_EQ(error("ls | | wc"), "syntax error near '|'");
  EXPECT_EQ(error("ls | ; wc"), "syntax error near ';'");
  EXPECT_EQ(error("ls >"), "syntax error near 'newline'");
  EXPECT_EQ(error("cat < | wc"), "syntax error near '|'");
  EXPECT_EQ(error("echo > >> x"), "syntax error near '>>'");
  EXPECT_EQ(error("(ls"), "syntax error near 'newline'");
  EXPECT_EQ(error("ls)"), "syntax error near ')'");
  EXPECT_EQ(error(")"), "syntax error near ')'");
  EXPECT_EQ(error("()"), "syntax error near ')'");
  EXPECT_EQ(error("(ls) foo"), "syntax error near 'foo'");
  EXPECT_EQ(error("echo (x)"), "syntax error near '('");
  EXPECT_EQ(error("& ls"), "syntax error near '&'");
  EXPECT_EQ(error("ls && wc"), "syntax error near '&'");
  EXPECT_EQ(error("echo \"abc"), "unterminated quote");
}

TEST_F(ShParseTest, Limits) {
  std::string line = "echo";
  for (int i = 0; i < kMaxArgs; i++)
    line += " x";
  EXPECT_EQ(error(line), "too many arguments");

  std::string deep(kMaxDepth + 1, '(');
  EXPECT_EQ(error(deep + "ls" + std::string(kMaxDepth + 1, ')')), "too many nested parentheses");
  EXPECT_NE(ok(std::string(kMaxDepth, '(') + "ls" + std::string(kMaxDepth, ')')), nullptr);

  EXPECT_EQ(error("echo " + std::string(kMaxText, 'a')), "line too long");

  std::string many;
  for (int i = 0; i < kMaxNodes; i++)
    many += "a;";
  EXPECT_EQ(error(many), "too many commands");

  std::string redirs = "cat";
  for (int i = 0; i <= kMaxRedirs; i++)
    redirs += " <f";
  EXPECT_EQ(error(redirs), "too many redirections");
}

TEST_F(ShParseTest, ManySeparatorsNeedNoNodes) {
  EXPECT_EQ(ok(std::string(5000, ';')), nullptr);
}

TEST_F(ShParseTest, ErrorMessagesAreTruncated) {
  std::string msg = error("(ls) " + std::string(500, 'w'));
  EXPECT_EQ(msg.size(), static_cast<size_t>(kMaxError - 1));
  EXPECT_EQ(msg.rfind("syntax error near 'www", 0), 0u);
}

TEST_F(ShParseTest, ParserIsReusableAfterAnError) {
  error("ls |");
  Cmd* cmd = ok("echo again");
  EXPECT_EQ(args(cmd), (Args{"echo", "again"}));
}

} // namespace
} // namespace sh
