// The shell's command-line parser: turns one line into a tree of commands.
//
// It makes no system calls and includes no other header, so the host unit tests in tests/user/
// compile the same code with the host compiler. user/sh.cc runs the trees it builds.
//
// Grammar (xv6's, plus quotes and comments):
//   list      := job { (';' | '&') job }       a job may be empty: "ls ;" and "; ls" are fine
//   job       := pipeline                      '&' after a job runs it in the background
//   pipeline  := command { '|' command }       no side of a '|' may be empty
//   command   := '(' list ')' { redirection }  a subshell
//              | { word | redirection }        a simple command (may be empty)
//   redirection := ('<' | '>' | '>>') word
// Words are runs of characters other than blanks and | & ; ( ) < >. Inside '...' or "..." every
// character is literal (no escapes). A '#' that starts a word starts a comment to the end of line.
#ifndef LAZYV6_USER_SHPARSE_H
#define LAZYV6_USER_SHPARSE_H

namespace sh {

constexpr int kMaxArgs = 32;   // words in one simple command (MAXARG)
constexpr int kMaxRedirs = 8;  // redirections on one command
constexpr int kMaxNodes = 64;  // commands in one line
constexpr int kMaxDepth = 16;  // nesting of parentheses
constexpr int kMaxText = 1024; // bytes of word text in one line, NULs included
constexpr int kMaxError = 80;  // bytes of an error message, NUL included

enum class Kind {
  Exec,     // argv with redirections
  Subshell, // ( body ) with redirections; body in `left`
  Pipe,     // left | right
  List,     // left ; right
  Back,     // left &
};

enum class RedirMode {
  Read,   // < file: open for reading
  Write,  // > file: create or truncate, write
  Append, // >> file: create if missing, write at the end
};

struct Redir {
  int fd; // 0 for '<', 1 for '>' and '>>'
  RedirMode mode;
  const char* file;
};

// One node of the tree. Which fields mean something depends on `kind` (see Kind).
struct Cmd {
  Kind kind;
  int argc;                 // Exec: number of words
  char* argv[kMaxArgs + 1]; // Exec: the words, argv[argc] == nullptr
  int nredir;               // Exec, Subshell: redirections, applied in order
  Redir redirs[kMaxRedirs];
  Cmd* left;  // Subshell, Back: body; Pipe, List: first part
  Cmd* right; // Pipe, List: second part
};

// Parses lines. All nodes and word text live inside the Parser and stay valid until the next
// parse() call. It is trivially constructible, so a global one needs no constructor at startup.
class Parser {
public:
  // Parses the NUL-terminated `line`. On success returns true and sets *out to the tree, or to
  // nullptr if the line holds no command. On a syntax error returns false; error() says why.
  bool parse(const char* line, Cmd** out);

  // The last error, e.g. "syntax error near '|'"; "" after a successful parse.
  const char* error() const { return error_; }

private:
  enum class Tok { Word, Pipe, Amp, Semi, LParen, RParen, Less, Great, GreatGreat, End };

  void advance();
  Cmd* parse_list();
  Cmd* parse_pipeline();
  Cmd* parse_command();
  void parse_redirection(Cmd* cmd);

  Cmd* new_node(Kind kind);
  Cmd* fail(const char* what);
  Cmd* fail_near();
  void append_error(const char* s);

  const char* pos_; // next unread character of the line
  Tok tok_;         // the current token
  char* word_;      // its text, when tok_ is Word
  bool failed_;     // an error was found; error_ holds the first one
  int depth_;       // parentheses currently open

  Cmd nodes_[kMaxNodes];
  int nnodes_;
  char text_[kMaxText];
  int ntext_;
  char error_[kMaxError];
  int nerror_;
};

} // namespace sh

#endif
